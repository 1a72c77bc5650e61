/* Charts of the asset reports (ECharts, vendored). No inline scripts (CSP): each chart is a
   <div data-chart="<id of a json_script block>" data-chart-kind="bar|hbar">, whose data is
   {"labels": [...], "series": [{"name": ..., "data": [...]}, ...]}. */
(function () {
  "use strict";

  function money(value) {
    return Number(value).toLocaleString(document.documentElement.lang || "zh-CN", {
      minimumFractionDigits: 0,
      maximumFractionDigits: 2
    });
  }

  function option(el, data) {
    var horizontal = el.dataset.chartKind === "hbar";
    var stacked = el.dataset.chartStack === "1";
    var categoryAxis = {
      type: "category",
      data: data.labels,
      axisLabel: { interval: 0, width: horizontal ? 140 : 80, overflow: "truncate", rotate: horizontal ? 0 : 30 },
      inverse: horizontal
    };
    var valueAxis = { type: "value", axisLabel: { formatter: money } };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: money },
      legend: { show: data.series.length > 1, top: 0 },
      grid: { left: 8, right: 16, top: data.series.length > 1 ? 32 : 8, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: stacked ? "total" : undefined, data: s.data, barMaxWidth: 40 };
      })
    };
  }

  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      if (!data.labels || !data.labels.length) { el.hidden = true; return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(el, data));
      window.addEventListener("resize", function () { chart.resize(); });
      // a chart drawn inside a hidden tab has no size: resize when its tab is shown
      document.addEventListener("shown.bs.tab", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
