/* Handwritten signatures (components/signature.html) with the vendored signature_pad.
   The canvas fills the width of the phone; the PNG data URL goes into a hidden field after each stroke. */
(function () {
  "use strict";
  if (window.houqinSignature) { return; }
  window.houqinSignature = true;

  function setUp(form) {
    var canvas = form.querySelector("canvas[data-signature-pad]");
    var field = form.querySelector("input[data-signature-data]");
    if (!canvas || !field || !window.SignaturePad) { return; }
    if (!canvas.houqinPad) {
      canvas.houqinPad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#000" });
      canvas.houqinPad.addEventListener("endStroke", function () {
        field.value = canvas.houqinPad.isEmpty() ? "" : canvas.houqinPad.toDataURL("image/png");
      });
      form.querySelector("[data-signature-clear]").addEventListener("click", function () {
        canvas.houqinPad.clear();
        field.value = "";
      });
    }
    resize(canvas, field);
  }

  function resize(canvas, field) {
    if (!canvas.offsetWidth) { return; }  // hidden (closed <details>): sized when opened
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var width = canvas.offsetWidth * ratio;
    if (canvas.width === width) { return; }
    canvas.width = width;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    canvas.houqinPad.clear();  // a resized canvas loses its drawing
    field.value = "";
  }

  function enhance(root) {
    root.querySelectorAll("form[data-signature-form]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  if (document.readyState !== "loading") { enhance(document); }
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target.parentNode || document); });
  document.addEventListener("toggle", function (e) {
    if (e.target.matches && e.target.matches("details[data-signature]") && e.target.open) { enhance(e.target); }
  }, true);
  window.addEventListener("resize", function () { enhance(document); });
})();
