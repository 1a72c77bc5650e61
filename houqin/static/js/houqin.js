/* Houqin page behaviour. No inline scripts anywhere (CSP): everything hangs off data attributes. */
(function () {
  "use strict";

  function enhance(root) {
    // Searchable selects: <select data-tomselect>
    root.querySelectorAll("select[data-tomselect]:not(.tomselected)").forEach(function (el) {
      if (window.TomSelect) { new TomSelect(el, { maxOptions: 500, allowEmptyOption: true }); }
    });
    // Auto-submitting selects: <select data-autosubmit>
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });

  // Links that act on what the list shows now (Excel export, label sheet) carry the current
  // filters, including those changed since the page loaded: <a data-keep-filters="/path/" data-extra="a=b">
  document.addEventListener("click", function (e) {
    var link = e.target.closest("a[data-keep-filters]");
    if (!link) { return; }
    var params = new URLSearchParams(window.location.search);
    params.delete("page");
    new URLSearchParams(link.dataset.extra || "").forEach(function (value, key) { params.set(key, value); });
    link.href = link.dataset.keepFilters + "?" + params.toString();
  });
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });

  // A failed htmx request tells the person instead of silently doing nothing.
  document.addEventListener("htmx:responseError", function (e) {
    var status = e.detail.xhr.status;
    var box = document.getElementById("messages") || document.getElementById("main");
    var div = document.createElement("div");
    div.className = "alert alert-danger";
    div.setAttribute("role", "alert");
    div.textContent = (document.documentElement.lang === "en" ? "Request failed (" : "请求失败（") + status + (document.documentElement.lang === "en" ? "). Please reload the page." : "），请刷新页面后重试。");
    box.prepend(div);
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("messages") || document.getElementById("main");
    var div = document.createElement("div");
    div.className = "alert alert-warning";
    div.textContent = document.documentElement.lang === "en" ? "No connection. Your input is kept; try again." : "网络连接失败，已填写的内容仍在，请稍后重试。";
    box.prepend(div);
  });
})();
