// Sends the page's CSRF token (from <meta name="csrf-token">) with every htmx request, so that htmx
// posts pass the server's CSRF check. Forms also carry it in a hidden field for posts without htmx.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      event.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });
})();
