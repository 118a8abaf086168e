// Retorno's own script: small, no inline handlers (the CSP forbids them).
// Focus the main region after an htmx page swap so keyboard users land on the content.
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail && event.detail.boosted) {
    var main = document.getElementById("main");
    if (main) { main.focus(); }
  }
});
