// Text size and print buttons of the portal's article page. The chosen size is kept in
// localStorage so that it holds from one article to the next.
(function () {
  "use strict";
  var body = document.querySelector(".article-body");
  if (!body) { return; }
  function apply(step) {
    document.documentElement.style.setProperty("--text-step", String(step));
  }
  var saved = parseInt(window.localStorage.getItem("vanguard-text-step") || "0", 10);
  if (!isNaN(saved)) { apply(saved); }
  document.querySelectorAll("[data-text-size]").forEach(function (b) {
    b.addEventListener("click", function () {
      var d = parseInt(b.getAttribute("data-text-size"), 10);
      var cur = parseInt(window.localStorage.getItem("vanguard-text-step") || "0", 10) || 0;
      var next = d === 0 ? 0 : Math.max(-2, Math.min(4, cur + d));
      window.localStorage.setItem("vanguard-text-step", String(next));
      apply(next);
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
