// Warns five minutes before the idle timeout and lets the person stay signed in.
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
