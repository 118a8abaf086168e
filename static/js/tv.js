// The reception TV: a clock in the branch's time zone, "sin conexión" when the live stream is silent or
// broken (htmx's sse extension reconnects by itself), and a slow scroll when the list does not fit.
(function () {
  var tv = document.getElementById("tv");
  if (!tv) { return; }
  var zone = tv.getAttribute("data-timezone") || undefined;
  var ping = (parseInt(tv.getAttribute("data-ping"), 10) || 5) * 1000;
  var clock = document.getElementById("clock");
  var format = new Intl.DateTimeFormat("es", { hour: "2-digit", minute: "2-digit", timeZone: zone, hour12: false });
  var lastHeard = Date.now();

  function offline(on) {
    var banner = document.getElementById("offline");
    if (banner) { banner.hidden = !on; }
  }
  function tick() {
    if (clock) { clock.textContent = format.format(new Date()); }
    if (Date.now() - lastHeard > ping * 2.4) { offline(true); }
  }
  document.body.addEventListener("htmx:sseMessage", function () { lastHeard = Date.now(); offline(false); });
  document.body.addEventListener("htmx:sseOpen", function () { lastHeard = Date.now(); offline(false); });
  document.body.addEventListener("htmx:sseError", function () { offline(true); });
  tick();
  setInterval(tick, 1000);

  // Scroll down slowly when the rows do not fit, pause at the end, start again.
  var pauseUntil = 0;
  setInterval(function () {
    var list = document.getElementById("arrivals");
    if (!list || list.scrollHeight <= list.clientHeight + 2 || Date.now() < pauseUntil) { return; }
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) {
      pauseUntil = Date.now() + 4000;
      setTimeout(function () { list.scrollTop = 0; }, 3000);
      return;
    }
    list.scrollTop += 1;
  }, 40);
})();
