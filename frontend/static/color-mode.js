// Follows the system's light or dark setting, before the page paints (a separate file: the
// Content-Security-Policy runs no inline script). Bootstrap reads data-bs-theme.
(function () {
  var dark = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", dark.matches ? "dark" : "light");
  }
  apply();
  dark.addEventListener("change", apply);
})();
