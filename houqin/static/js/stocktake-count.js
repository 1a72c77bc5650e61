/* Counting on a phone (issue 5), on a weak connection.

   Every scan gets a client_key (crypto.randomUUID) and goes into a queue kept in localStorage
   ("houqin.stocktake.queue.<location>"), so it survives a lost request, a dead signal and a reload.
   The queue is sent one scan at a time to the count URL; a request that fails or times out is
   retried with backoff, with the same client_key: the server answers a repeated key with the same
   result and counts nothing twice. A JSON answer (ok or 400/403 with errors) ends the scan; anything
   else (no network, 5xx, the login page, a CSRF page) keeps it in the queue.

   The camera scanner is html5-qrcode, as on the asset scan page (assets-scan.js). No inline script
   anywhere (CSP): everything hangs off ids and data attributes of stocktakelocation_detail.html. */
(function () {
  "use strict";

  var TIMEOUT_MS = 15000;
  var MAX_BACKOFF_MS = 60000;
  var PHOTO_SIDE = 1280;

  function init() {
    var app = document.getElementById("count-app");
    var countForm = document.getElementById("count-form");
    if (!app || !countForm || !window.fetch) { return; }

    var KEY = "houqin.stocktake.queue." + app.dataset.place;
    var url = app.dataset.countUrl;
    var csrf = countForm.querySelector("[name=csrfmiddlewaretoken]").value;
    var queueBox = document.getElementById("count-queue");
    var log = document.getElementById("count-log");
    var sheetEl = document.getElementById("count-sheet");
    var sheetForm = document.getElementById("count-sheet-form");
    var sheet = sheetEl && window.bootstrap ? window.bootstrap.Modal.getOrCreateInstance(sheetEl) : null;
    var queue = load();
    var busy = false;
    var halted = false; // the session ended: wait for a reload after login
    var timer = null;
    var current = null; // the scan the sheet is open for

    // --- the queue ------------------------------------------------------------------------------

    function load() {
      try {
        var items = JSON.parse(window.localStorage.getItem(KEY) || "[]");
        return Array.isArray(items) ? items : [];
      } catch (e) {
        return [];
      }
    }

    function persist() {
      try {
        window.localStorage.setItem(KEY, JSON.stringify(queue));
      } catch (e) {
        // quota: keep the photos in this page only, the scans themselves still survive a reload
        try {
          window.localStorage.setItem(KEY, JSON.stringify(queue.map(function (item) {
            var copy = Object.assign({}, item);
            delete copy.photo;
            return copy;
          })));
          say(app.dataset.msgPhotoBig, "warning");
        } catch (e2) { /* storage unavailable: the queue lives in memory */ }
      }
      showQueue();
    }

    function showQueue() {
      if (!queueBox) { return; }
      queueBox.querySelector("[data-queue-count]").textContent = String(queue.length);
      queueBox.classList.toggle("d-none", queue.length === 0);
    }

    function uuid() {
      if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
      var b = new Uint8Array(16);
      window.crypto.getRandomValues(b);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    }

    function enqueue(item) {
      item.client_key = uuid();
      item.tries = 0;
      item.next = 0;
      queue.push(item);
      persist();
      say((item.label || item.code) + "：" + app.dataset.msgQueued, "secondary");
      pump();
    }

    function schedule() {
      window.clearTimeout(timer);
      if (!queue.length || halted) { return; }
      var wait = Math.max(0, Math.min.apply(null, queue.map(function (i) { return i.next || 0; })) - Date.now());
      timer = window.setTimeout(pump, wait);
    }

    function dataUrlToBlob(dataUrl) {
      var parts = dataUrl.split(",");
      var bytes = window.atob(parts[1]);
      var out = new Uint8Array(bytes.length);
      for (var i = 0; i < bytes.length; i++) { out[i] = bytes.charCodeAt(i); }
      return new Blob([out], { type: "image/jpeg" });
    }

    function send(item) {
      var controller = window.AbortController ? new AbortController() : null;
      var killer = controller ? window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
      var fields = {
        code: item.code, quantity: item.quantity || "", condition: item.condition || "good",
        note: item.note || "", client_key: item.client_key
      };
      var options = {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
        signal: controller ? controller.signal : undefined
      };
      if (item.photo) {
        var form = new FormData();
        Object.keys(fields).forEach(function (k) { form.append(k, fields[k]); });
        form.append("photo", dataUrlToBlob(item.photo), "photo.jpg");
        options.body = form;
      } else {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(fields);
      }
      return window.fetch(url, options).then(function (response) {
        window.clearTimeout(killer);
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
        if (!json) {
          // the login page after a redirect, or Django's CSRF page: keep the scan and stop
          return { keep: true, halt: response.status < 500 || response.redirected };
        }
        if (response.status >= 500) { return { keep: true }; }
        return response.json().then(function (body) { return { body: body, status: response.status }; });
      }, function () {
        window.clearTimeout(killer);
        return { keep: true };
      });
    }

    function pump() {
      if (busy || halted || !queue.length) { schedule(); return; }
      var now = Date.now();
      var item = queue.find(function (i) { return (i.next || 0) <= now; });
      if (!item) { schedule(); return; }
      busy = true;
      send(item).then(function (result) {
        busy = false;
        if (result.keep) {
          item.tries = (item.tries || 0) + 1;
          item.next = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, item.tries));
          persist();
          if (result.halt) {
            halted = true;
            say(app.dataset.msgLogin, "danger");
          } else if (item.tries === 1) {
            say((item.label || item.code) + "：" + app.dataset.msgRetrying, "warning");
          }
          schedule();
          return;
        }
        queue = queue.filter(function (i) { return i.client_key !== item.client_key; });
        persist();
        var body = result.body || {};
        if (body.ok) {
          say(body.message, body.misplaced ? "warning" : "success");
          refresh();
        } else {
          say((item.label || item.code) + "：" + app.dataset.msgFailed + "，" + (body.message || firstError(body.errors)), "danger");
        }
        pump();
      });
    }

    function firstError(errors) {
      for (var key in errors || {}) {
        if (errors[key] && errors[key].length) { return errors[key][0]; }
      }
      return "";
    }

    var refreshTimer = null;
    function refresh() {
      // the list and the progress, once the queue has drained a little
      window.clearTimeout(refreshTimer);
      refreshTimer = window.setTimeout(function () {
        if (window.htmx && document.getElementById("results")) {
          window.htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#results", swap: "outerHTML" });
        }
      }, 600);
    }

    function say(text, kind) {
      if (!log || !text) { return; }
      var div = document.createElement("div");
      div.className = "alert alert-" + kind + " py-2 mb-1";
      div.setAttribute("role", kind === "danger" ? "alert" : "status");
      div.textContent = text;
      log.prepend(div);
      while (log.children.length > 6) { log.removeChild(log.lastChild); }
    }

    // --- the sheet after a scan -------------------------------------------------------------------

    function infoFor(code) {
      var rows = document.querySelectorAll("[data-line]");
      for (var i = 0; i < rows.length; i++) {
        if (rows[i].dataset.code.toUpperCase() === String(code).toUpperCase()) { return rows[i].dataset; }
      }
      return null;
    }

    function codeOf(text) {
      // the label holds <site>/assets/scan/?c=<code>; the server reads it too, this only finds the row
      try {
        var parsed = new URL(text, window.location.href);
        if (/^https?:/i.test(text) || text.charAt(0) === "/") { return parsed.searchParams.get("c") || text; }
      } catch (e) { /* not a URL */ }
      return text;
    }

    function open(text, quantity) {
      text = (text || "").trim();
      if (!text) { return; }
      var code = codeOf(text);
      var info = infoFor(code);
      current = { code: text, label: info ? info.code + " " + info.name : code };
      if (!sheet) { // no Bootstrap: count it as found in good condition
        enqueue({ code: text, label: current.label, quantity: quantity || "", condition: "good" });
        return;
      }
      sheetForm.reset();
      sheetEl.querySelector("[data-sheet-code]").textContent = current.label;
      sheetEl.querySelector("[data-sheet-error]").classList.add("d-none");
      var batch = info && parseInt(info.quantity, 10) > 1;
      var qtyBox = sheetEl.querySelector("[data-sheet-quantity]");
      qtyBox.classList.toggle("d-none", !batch);
      sheetForm.elements.quantity.value = batch ? (quantity || info.quantity) : "";
      sheetEl.querySelector("[data-sheet-expected]").textContent = batch ? "/ " + info.quantity + (info.unit || "") : "";
      sheetEl.querySelector("[data-sheet-photo]").classList.add("d-none");
      sheet.show();
    }

    function shrink(file) {
      // a phone photo (several MB) becomes a JPEG of at most PHOTO_SIDE px, small enough to queue
      return new Promise(function (resolve) {
        if (!file) { resolve(null); return; }
        var reader = new FileReader();
        reader.onload = function () {
          var img = new Image();
          img.onload = function () {
            var scale = Math.min(1, PHOTO_SIDE / Math.max(img.width, img.height));
            var canvas = document.createElement("canvas");
            canvas.width = Math.round(img.width * scale);
            canvas.height = Math.round(img.height * scale);
            canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
            resolve(canvas.toDataURL("image/jpeg", 0.8));
          };
          img.onerror = function () { resolve(null); };
          img.src = reader.result;
        };
        reader.onerror = function () { resolve(null); };
        reader.readAsDataURL(file);
      });
    }

    if (sheetForm) {
      sheetForm.addEventListener("change", function (e) {
        if (e.target.name === "condition") {
          sheetEl.querySelector("[data-sheet-photo]").classList.toggle("d-none", e.target.value === "good");
        }
      });
      sheetForm.addEventListener("submit", function (e) {
        e.preventDefault();
        if (!current) { return; }
        var data = new FormData(sheetForm);
        var quantity = String(data.get("quantity") || "").trim();
        var errorBox = sheetEl.querySelector("[data-sheet-error]");
        if (quantity && !/^[0-9]+$/.test(quantity)) {
          errorBox.textContent = sheetForm.dataset.msgQuantity;
          errorBox.classList.remove("d-none");
          return;
        }
        var condition = data.get("condition") || "good";
        var file = condition !== "good" ? sheetForm.elements.photo.files[0] : null;
        var item = { code: current.code, label: current.label, quantity: quantity, condition: condition, note: String(data.get("note") || "") };
        current = null;
        shrink(file).then(function (photo) {
          if (photo) { item.photo = photo; }
          sheet.hide();
          enqueue(item);
          var input = document.getElementById("count-code");
          if (input) { input.value = ""; }
        });
      });
      sheetEl.addEventListener("hidden.bs.modal", function () { resumeScanner(); });
    }

    // typed code, and the 盘到 button of each row: the sheet instead of a page load
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (form === countForm) {
        if (countForm.elements.photo && countForm.elements.photo.files.length) { return; } // plain post
        e.preventDefault();
        open(countForm.elements.code.value, countForm.elements.quantity.value);
      } else if (form.hasAttribute("data-count-row")) {
        e.preventDefault();
        open(form.elements.code.value, form.elements.quantity ? form.elements.quantity.value : "");
      }
    });

    if (queueBox) {
      queueBox.querySelector("[data-queue-retry]").addEventListener("click", function () {
        halted = false;
        queue.forEach(function (i) { i.next = 0; });
        pump();
      });
    }
    window.addEventListener("online", function () {
      queue.forEach(function (i) { i.next = 0; });
      pump();
    });

    // --- the camera -------------------------------------------------------------------------------

    var box = document.getElementById("scanner");
    var start = document.querySelector("[data-scan-start]");
    var stop = document.querySelector("[data-scan-stop]");
    var message = document.getElementById("scanner-message");
    var scanner = null;
    var lastText = "";
    var lastAt = 0;

    function cameraSay(text) {
      message.textContent = text;
      message.classList.remove("d-none");
    }

    function foreign(text) {
      if (!/^https?:\/\//i.test(text)) { return false; }
      try { return new URL(text).origin !== window.location.origin; } catch (e) { return true; }
    }

    function resumeScanner() {
      if (scanner && scanner.getState && scanner.getState() === 3) { // PAUSED
        try { scanner.resume(); } catch (e) { /* stopped meanwhile */ }
      }
    }

    if (box && start) {
      start.addEventListener("click", function () {
        message.classList.add("d-none");
        if (!window.Html5Qrcode) { cameraSay(app.dataset.msgNoCamera); return; }
        scanner = scanner || new window.Html5Qrcode("scanner", { formatsToSupport: [0] }); // 0: QR_CODE
        scanner.start(
          { facingMode: "environment" },
          { fps: 10, qrbox: { width: 240, height: 240 } },
          function (text) {
            var now = Date.now();
            if (text === lastText && now - lastAt < 3000) { return; } // the same label still in view
            lastText = text;
            lastAt = now;
            if (foreign(text)) { cameraSay(app.dataset.msgForeign + " " + text); return; }
            try { scanner.pause(true); } catch (e) { /* not scanning */ }
            open(text);
            if (!sheet) { resumeScanner(); }
          },
          function () { /* no code in this frame */ }
        ).then(function () {
          start.classList.add("d-none");
          stop.classList.remove("d-none");
        }).catch(function () {
          cameraSay(app.dataset.msgNoCamera);
        });
      });
      stop.addEventListener("click", function () {
        var done = scanner && scanner.isScanning ? scanner.stop() : Promise.resolve();
        done.then(function () {
          start.classList.remove("d-none");
          stop.classList.add("d-none");
        });
      });
    }

    showQueue();
    pump();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
