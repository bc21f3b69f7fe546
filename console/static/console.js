// Mend console: tiny, dependency-free helpers.
(function () {
  // Keep the simulator chat scrolled to the newest message and the composer focused.
  var chat = document.getElementById("chat");
  if (chat) { chat.scrollTop = chat.scrollHeight; }
  var composer = document.getElementById("sms-text");
  if (composer) { composer.focus(); }
  // Avoid double posts from impatient clicks.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var btn = form.querySelector("button[type=submit]");
      if (btn) { setTimeout(function () { btn.disabled = true; }, 0); }
    });
  });
})();
