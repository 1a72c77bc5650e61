/* Borrowing form: "lend now" hides the start time (the loan starts now) and shows the condition out. */
(function () {
  "use strict";

  function sync(form) {
    var lendNow = form.querySelector("[data-loan-field=lend_now] input[type=checkbox]");
    if (!lendNow) { return; }
    var start = form.querySelector("[data-loan-field=starts_at]");
    var condition = form.querySelector("[data-loan-field=condition_out]");
    if (start) { start.hidden = lendNow.checked; }
    if (condition) { condition.hidden = !lendNow.checked; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-loan-form]").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (e) {
        if (e.target.closest("[data-loan-field=lend_now]")) { sync(form); }
      });
    });
  });
})();
