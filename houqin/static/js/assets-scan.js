/* Camera scanning of asset labels (html5-qrcode, vendored). A label holds
   <site>/assets/scan/?c=<code>: a URL of this site is opened as it is; plain text is taken for an
   asset code and looked up through the scan page; a URL of another site is shown, never opened. */
(function () {
  "use strict";

  function target(box, text) {
    text = (text || "").trim();
    if (/^https?:\/\//i.test(text)) {
      try {
        var url = new URL(text);
        return url.origin === window.location.origin ? url.href : null;
      } catch (e) {
        return null;
      }
    }
    return box.dataset.scanUrl + "?c=" + encodeURIComponent(text);
  }

  function init() {
    var box = document.getElementById("scanner");
    var start = document.querySelector("[data-scan-start]");
    var stop = document.querySelector("[data-scan-stop]");
    var message = document.getElementById("scanner-message");
    if (!box || !start) { return; }
    var scanner = null;

    function say(text) {
      message.textContent = text;
      message.classList.remove("d-none");
    }

    function stopScanner() {
      if (scanner && scanner.isScanning) { return scanner.stop(); }
      return Promise.resolve();
    }

    start.addEventListener("click", function () {
      message.classList.add("d-none");
      if (!window.Html5Qrcode) { say(box.dataset.msgNoCamera); return; }
      scanner = scanner || new window.Html5Qrcode("scanner", { formatsToSupport: [0] }); // 0: QR_CODE
      scanner.start(
        { facingMode: "environment" },
        { fps: 10, qrbox: { width: 240, height: 240 } },
        function (text) {
          var url = target(box, text);
          stopScanner().then(function () {
            if (url) {
              window.location.assign(url);
            } else {
              say(box.dataset.msgForeign + " " + text);
              start.classList.remove("d-none");
              stop.classList.add("d-none");
            }
          });
        },
        function () { /* no code in this frame */ }
      ).then(function () {
        start.classList.add("d-none");
        stop.classList.remove("d-none");
      }).catch(function () {
        say(box.dataset.msgNoCamera);
      });
    });

    stop.addEventListener("click", function () {
      stopScanner().then(function () {
        start.classList.remove("d-none");
        stop.classList.add("d-none");
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
