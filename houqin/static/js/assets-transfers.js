/* Transfer form: pick several asset cards by typing a code, name or pinyin initials.
   <select multiple data-asset-search="/assets/transfers/asset-search/"> becomes a Tom Select that asks
   the server (a school may hold 100,000 cards, so only the chosen ones are in the page). */
(function () {
  "use strict";

  function setUp(el) {
    if (el.tomselect || !window.TomSelect) { return; }
    var url = el.dataset.assetSearch;
    new window.TomSelect(el, {
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      maxOptions: 50,
      loadThrottle: 300,
      plugins: ["remove_button"],
      shouldLoad: function (query) { return query.length > 0; },
      load: function (query, callback) {
        fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { callback(data.results); })
          .catch(function () { callback(); });
      }
    });
  }

  function enhance(root) {
    root.querySelectorAll("select[data-asset-search]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  if (document.readyState !== "loading") { enhance(document); }
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });
})();
