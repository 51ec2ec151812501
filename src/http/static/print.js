// The Print button of the invoice page (src/http/invoice-page.ts): shown only when scripts run,
// since without them the browser's own Print does the same (the print styles hide the navigation).
(function () {
  var buttons = document.querySelectorAll("button[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () {
      window.print();
    });
  }
})();
