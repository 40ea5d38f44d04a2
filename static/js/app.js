// sqpdash page behaviour. Everything here is progressive enhancement: every link and form works without
// it. No inline handlers, no eval: this file is the only script besides htmx, so a strict
// Content-Security-Policy holds.
(function () {
  "use strict";

  // Links and hidden inputs marked data-sync-open carry the expanded rows (the "open" parameter). Rows
  // are expanded and collapsed by htmx after the page was rendered, so after every URL change the
  // current "open" of the address bar is copied into them: sorting, paging, the product page and the
  // export keep the expansions.
  function syncOpen() {
    var open = new URLSearchParams(window.location.search).get("open") || "";
    document.querySelectorAll("[data-sync-open]").forEach(function (el) {
      if (el.tagName === "INPUT") {
        el.value = open;
        el.disabled = open === "";
        return;
      }
      var url = new URL(el.getAttribute("href"), window.location.href);
      if (open) {
        url.searchParams.set("open", open);
      } else {
        url.searchParams.delete("open");
      }
      el.setAttribute("href", url.pathname + url.search);
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

  document.addEventListener("DOMContentLoaded", syncOpen);
  document.addEventListener("htmx:pushedIntoHistory", syncOpen);
  document.addEventListener("htmx:replacedInHistory", syncOpen);
  document.addEventListener("htmx:historyRestore", syncOpen);
  document.addEventListener("htmx:afterSettle", syncOpen);
  document.addEventListener("htmx:responseError", onError);
  document.addEventListener("htmx:sendError", onError);
  document.addEventListener("change", onDateChange);
  window.addEventListener("popstate", function () { window.setTimeout(syncOpen, 0); });
})();
