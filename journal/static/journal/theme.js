// Light or dark, as the device asks (prefers-color-scheme), through Bootstrap 5.3's colour
// modes. Loaded from <head>, before the first paint, so a dark page never flashes white; a
// file, not an inline script, so the Content Security Policy stays `script-src 'self'`.
// Printing always uses the light theme (light text on white paper would be unreadable).
(function () {
  "use strict";
  var root = document.documentElement;
  var dark = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    root.setAttribute("data-bs-theme", dark.matches ? "dark" : "light");
  }
  apply();
  if (dark.addEventListener) {
    dark.addEventListener("change", apply);
  }
  window.addEventListener("beforeprint", function () {
    root.setAttribute("data-bs-theme", "light");
  });
  window.addEventListener("afterprint", apply);
})();
