// The set-up wizard's "Copy" button next to the billing URL (src/http/admin/setup.routes.ts).
// A static file, not an inline script: the Content-Security-Policy allows scripts from 'self' only.
// The word it shows after copying comes from the page (data-copied), in the page's language.
"use strict";
(function () {
  var button = document.getElementById("copy-billing-url");
  if (!button) return;
  button.addEventListener("click", function () {
    var input = document.getElementById("billing-url");
    var status = document.getElementById("copied");
    var done = button.getAttribute("data-copied") || "";
    input.select();
    var copied = navigator.clipboard ? navigator.clipboard.writeText(input.value) : Promise.reject(new Error("no clipboard"));
    copied.then(
      function () { status.textContent = done; },
      function () { document.execCommand("copy"); status.textContent = done; },
    );
  });
})();
