/* Custodianship form: a class or an office holds the sheet, so show only the matching field. */
(function () {
  "use strict";

  function sync(form) {
    var checked = form.querySelector("input[name=holder_kind]:checked");
    var kind = checked ? checked.value : "class";
    form.querySelectorAll("[data-holder]").forEach(function (block) {
      block.hidden = block.dataset.holder !== kind;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-custody-form]").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (e) {
        if (e.target.name === "holder_kind") { sync(form); }
      });
    });
  });
})();
