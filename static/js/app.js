// Retorno's own script: small, no inline handlers (the CSP forbids them).

// Focus the main region after an htmx page swap so keyboard users land on the content.
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail && event.detail.boosted) {
    var main = document.getElementById("main");
    if (main) { main.focus(); }
  }
});

// The board's side panel: after an action answers, focus the row it changed
// (and flash it), or the first field with an error; a form focuses itself (autofocus).
document.addEventListener("htmx:afterSettle", function (event) {
  var panel = document.getElementById("panel");
  if (!panel || event.detail.target !== panel) { return; }
  var invalid = panel.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); return; }
  var result = panel.querySelector("[data-focus]");
  if (result) {
    var row = document.getElementById(result.getAttribute("data-focus"));
    if (row) {
      row.classList.add("flash");
      row.focus();
      return;
    }
  }
  if (!panel.querySelector("[autofocus]")) { panel.focus(); }
});

// Cancel / × in the panel: empty it instead of leaving the page (the link is the no-JS way back).
document.addEventListener("click", function (event) {
  var close = event.target.closest && event.target.closest("#panel .panel-close");
  var panel = document.getElementById("panel");
  if (!close || !panel || !panel.classList.contains("panel")) { return; }
  event.preventDefault();
  panel.innerHTML = "";
  var empty = document.createElement("p");
  empty.className = "panel-empty";
  empty.textContent = "Elija una acción en la lista: se abre aquí.";
  panel.appendChild(empty);
});

// Escape closes the panel too.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") { return; }
  var close = document.querySelector("#panel.panel .panel-close");
  if (close) { close.click(); }
});

// An action's answer carries the row, the tabs and the strip out of band. When one of them
// is not on screen (the user changed tab or searched while the panel was open, or the
// action was opened from a page without the list), drop it instead of letting htmx fail.
document.addEventListener("htmx:beforeSwap", function (event) {
  var response = event.detail.serverResponse;
  if (typeof response !== "string" || response.indexOf("hx-swap-oob") === -1) { return; }
  var holder = document.createElement("template");
  holder.innerHTML = response;
  var fragments = [holder.content];
  holder.content.querySelectorAll("template").forEach(function (inner) { fragments.push(inner.content); });
  var dropped = false;
  fragments.forEach(function (fragment) {
    fragment.querySelectorAll("[hx-swap-oob]").forEach(function (element) {
      if (!element.id || !document.getElementById(element.id)) {
        element.remove();
        dropped = true;
      }
    });
  });
  if (dropped) { event.detail.serverResponse = holder.innerHTML; }
});

// A button marked data-print prints the page (Cartas: one letter per A4 sheet).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});
