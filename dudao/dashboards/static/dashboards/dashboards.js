/* Dashboards: reads the figures from <script type="application/json" id="dash-charts"> (json_script) and
   draws each chart into its [data-dash-chart] element with the vendored ECharts (no inline script: CSP). */
(function () {
  "use strict";
  var source = document.getElementById("dash-charts");
  if (!source || typeof echarts === "undefined") return;
  var charts = JSON.parse(source.textContent);
  var palette = ["#206bc4", "#f59f00", "#2fb344", "#d63939", "#ae3ec9", "#4299e1", "#667382"];

  function hasData(chart) {
    return chart.series.some(function (s) {
      return s.values.some(function (v) { return v !== null && v > 0; });
    });
  }

  function suffix(chart) { return chart.unit || ""; }

  function option(chart) {
    var unit = suffix(chart);
    var narrow = window.innerWidth < 576;
    if (chart.kind === "hbar") {
      var labels = chart.labels.slice().reverse();
      return {
        color: palette,
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + unit; } },
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: unit === "%" ? 100 : null, minInterval: unit === "%" ? 0 : 1 },
        yAxis: { type: "category", data: labels, axisLabel: { width: narrow ? 90 : 150, overflow: "truncate" } },
        series: chart.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.values.slice().reverse(),
                   label: { show: true, position: "right", formatter: function (p) { return p.value === null ? "" : p.value + unit; } } };
        })
      };
    }
    return {
      color: palette,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + unit; } },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 16, bottom: 36, containLabel: true },
      xAxis: { type: "category", data: chart.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", max: unit === "%" ? 100 : null, minInterval: unit === "%" ? 0 : 1,
               axisLabel: { formatter: "{value}" + unit } },
      series: chart.series.map(function (s) {
        return chart.kind === "line"
          ? { name: s.name, type: "line", data: s.values, connectNulls: false, symbolSize: 6,
              showSymbol: true, showAllSymbol: true }
          : { name: s.name, type: "bar", data: s.values };
      })
    };
  }

  charts.forEach(function (chart) {
    var el = document.querySelector('[data-dash-chart="' + chart.id + '"]');
    if (!el) return;
    if (!hasData(chart)) {
      el.classList.add("dudao-chart-empty");
      el.textContent = "暂无数据";
      return;
    }
    var instance = echarts.init(el, null, { renderer: "svg" });
    instance.setOption(option(chart));
    window.addEventListener("resize", function () { instance.resize(); });
  });
})();
