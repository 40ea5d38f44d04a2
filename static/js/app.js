// sqpdash page behaviour. Everything here is progressive enhancement: every link and form works without
// it. No inline handlers, no eval: this file is the only script besides htmx, so a strict
// Content-Security-Policy holds.
(function () {
  "use strict";

  // Settings that htmx changes after the page was rendered (expanded rows, sort order) are copied from
  // the address bar after every URL change: a link marked data-sync="open sort dir" gets those parameters
  // of the current URL, so sorting, paging, the product page, the brand picker and the export keep them;
  // hidden form inputs marked data-sync-param get the parameter of their name, so the settings form
  // keeps them too.
  function syncState() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("a[data-sync]").forEach(function (a) {
      var url = new URL(a.getAttribute("href"), window.location.href);
      a.getAttribute("data-sync").split(" ").forEach(function (name) {
        if (params.get(name)) {
          url.searchParams.set(name, params.get(name));
        } else {
          url.searchParams.delete(name);
        }
      });
      a.setAttribute("href", url.pathname + url.search);
    });
    document.querySelectorAll("input[data-sync-param]").forEach(function (input) {
      var value = params.get(input.name) || "";
      input.value = value;
      input.disabled = value === ""; // leave the parameter out rather than send it empty
    });
  }

  // errorText extracts the server's message from an error response (the error fragment carries it in
  // [data-error-message]); a network failure has none.
  function errorText(detail) {
    var xhr = detail.xhr;
    if (!xhr || !xhr.status) {
      return "The server could not be reached.";
    }
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var msg = doc.querySelector("[data-error-message]");
    return (msg ? msg.textContent : "The request failed") + " (HTTP " + xhr.status + ")";
  }

  // showExpandError puts an error row with a retry link under the product row whose expansion failed.
  function showExpandError(elt, detail) {
    var tbody = elt.closest("tbody.product");
    if (!tbody) {
      return false;
    }
    tbody.querySelectorAll("tr.error-row").forEach(function (tr) { tr.remove(); });
    var cols = tbody.querySelector("tr.product-row").children.length;
    var tr = document.createElement("tr");
    tr.className = "error-row";
    tr.setAttribute("data-testid", "error-row");
    var td = document.createElement("td");
    td.colSpan = cols;
    td.setAttribute("role", "alert");
    td.textContent = "Could not load the segments: " + errorText(detail) + " ";
    var retry = document.createElement("a");
    retry.href = detail.requestConfig ? detail.requestConfig.path : window.location.href;
    retry.textContent = "Retry";
    retry.setAttribute("data-testid", "retry");
    retry.addEventListener("click", function (ev) {
      ev.preventDefault();
      tr.remove();
      htmx.trigger(elt, "click");
    });
    td.appendChild(retry);
    tr.appendChild(td);
    tbody.querySelector("tr.product-row").after(tr);
    retry.focus();
    return true;
  }

  // showRegionError shows a failed sort or page request above the table it was meant for.
  function showRegionError(elt, detail) {
    var region = elt.closest(".table-region") || document.getElementById("main");
    var box = region.querySelector(".region-error") || document.createElement("p");
    box.className = "region-error notice";
    box.setAttribute("role", "alert");
    box.textContent = errorText(detail);
    region.prepend(box);
  }

  function onError(ev) {
    var elt = ev.detail.elt;
    if (!elt || !showExpandError(elt, ev.detail)) {
      showRegionError(elt || document.body, ev.detail);
    }
  }

  // A switch marked data-autosubmit (the branded switch) applies at once: its change submits its form,
  // which htmx then sends (requestSubmit fires the submit event; form.submit() would not).
  function onAutoSubmit(ev) {
    if (ev.target.matches("[data-autosubmit]") && ev.target.form) {
      ev.target.form.requestSubmit();
    }
  }

  // Editing a date switches the preset to "custom", since a named preset wins over dates.
  function onDateChange(ev) {
    if (!ev.target.matches("[data-custom-date]")) {
      return;
    }
    var preset = ev.target.form && ev.target.form.querySelector("[data-preset]");
    if (preset) {
      preset.value = "custom";
    }
  }

  document.addEventListener("DOMContentLoaded", syncState);
  document.addEventListener("htmx:pushedIntoHistory", syncState);
  document.addEventListener("htmx:replacedInHistory", syncState);
  document.addEventListener("htmx:historyRestore", syncState);
  document.addEventListener("htmx:afterSettle", syncState);
  document.addEventListener("htmx:responseError", onError);
  document.addEventListener("htmx:sendError", onError);
  document.addEventListener("change", onDateChange);
  document.addEventListener("change", onAutoSubmit);
  window.addEventListener("popstate", function () { window.setTimeout(syncState, 0); });
})();
