/* Attachments panel (components/attachments.html): a chosen file uploads at once. No inline scripts (CSP). */
(function () {
  "use strict";
  if (window.houqinAttachments) { return; }
  window.houqinAttachments = true;

  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[data-attachment-input]") || !input.files || !input.files.length) { return; }
    var form = input.form;
    // only the input that was used is sent: clear the other file inputs of the form
    form.querySelectorAll("input[data-attachment-input]").forEach(function (other) {
      if (other !== input) { other.value = ""; }
    });
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });
})();
