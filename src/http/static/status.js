// The order status page (/checkout/:id/status, src/http/checkout.routes.ts) follows the order
// without <meta http-equiv="refresh"> (a page that reloads itself on a timer takes the reader's
// place and focus away: WCAG 2.2.1). Every `data-refresh` seconds, while the tab is visible, it
// fetches the same page and reloads only when the order's state (`data-state`) has changed.
// Without scripts the page's "Check again" link does the same by hand.
(function () {
  var box = document.getElementById("status");
  if (!box || !window.fetch || !window.DOMParser) return;
  var seconds = Number(box.getAttribute("data-refresh"));
  if (!(seconds > 0)) return;
  var state = box.getAttribute("data-state");
  function schedule() {
    window.setTimeout(check, seconds * 1000);
  }
  function check() {
    if (document.hidden) return schedule();
    window
      .fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { accept: "text/html" } })
      .then(function (res) {
        return res.ok ? res.text() : null;
      })
      .then(
        function (text) {
          var next = text === null ? null : new window.DOMParser().parseFromString(text, "text/html").getElementById("status");
          if (next && next.getAttribute("data-state") !== state) window.location.reload();
          else schedule();
        },
        schedule,
      );
  }
  schedule();
})();
