// The portal's small script, for signed-in pages; every page works without it.
// 1. Warns five minutes before the idle timeout and lets the person stay signed in.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.idleSeconds || "0", 10);
  var warning = document.getElementById("idle-warning");
  var button = document.getElementById("stay-signed-in");
  if (!idle || !warning || !button) { return; }
  var warnTimer, endTimer;
  function arm() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    warning.hidden = true;
    warnTimer = setTimeout(function () { warning.hidden = false; button.focus(); },
                           Math.max(idle - 300, 0) * 1000);
    endTimer = setTimeout(function () { window.location.assign(body.dataset.loginUrl); },
                          idle * 1000);
  }
  button.addEventListener("click", function () {
    fetch(body.dataset.keepaliveUrl, { credentials: "same-origin" }).then(arm);
  });
  arm();
})();

// 2. A part of a page waiting for the worker (data-poll-seconds, with an id) asks the server for
// the page again every few seconds, shows the new progress, and reloads the page once that part
// is gone (the work is done). With data-poll-url it asks that small address instead, which
// answers {"checked": true} once the work is done. Without script, the page offers a link.
(function () {
  "use strict";
  var waiting = document.querySelector("[data-poll-seconds][id]");
  if (!waiting || !window.fetch || !window.DOMParser) { return; }
  var delay = Math.max(parseInt(waiting.dataset.pollSeconds, 10) || 2, 1) * 1000;
  function ask() {
    fetch(waiting.dataset.pollUrl, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.checked) { window.location.reload(); return; }
        setTimeout(ask, delay);
      })
      .catch(function () { setTimeout(ask, delay); });
  }
  if (waiting.dataset.pollUrl) { setTimeout(ask, delay); return; }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById(waiting.id);
        if (!fresh) { window.location.reload(); return; }
        waiting.innerHTML = fresh.innerHTML;
        setTimeout(poll, delay);
      })
      .catch(function () { setTimeout(poll, delay); });
  }
  setTimeout(poll, delay);
})();
