/* Home page charts: reads the figures from <script type="application/json" id="dashboard-charts">
   (json_script) and draws each one into its [data-chart] element with the vendored ECharts. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof echarts === "undefined") return;
  var charts = JSON.parse(source.textContent);
  var palette = ["#206bc4", "#f59f00", "#d63939", "#2fb344", "#ae3ec9", "#4299e1", "#667382", "#f76707", "#0ca678"];

  function empty(values) {
    return !values.some(function (v) { return v > 0; });
  }

  function option(chart) {
    var d = chart.data;
    if (chart.kind === "heatmap") {
      if (!d.data.length) return null;
      return {
        tooltip: {
          formatter: function (p) {
            return d.cities[p.value[1]] + " " + d.months[p.value[0]] + "<br>覆盖率 " + p.value[2] +
              "%(" + p.value[4] + "/" + p.value[3] + " 个批次)";
          }
        },
        grid: { left: 90, right: 20, top: 10, bottom: 90 },
        xAxis: { type: "category", data: d.months, splitArea: { show: true } },
        yAxis: { type: "category", data: d.cities, splitArea: { show: true } },
        visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 160,
                     inRange: { color: ["#fbe5e5", "#fff3cd", "#d1f0db", "#2fb344"] }, text: ["100%", "0%"] },
        series: [{ type: "heatmap", data: d.data, label: { show: true, formatter: function (p) { return p.value[2] + "%"; } } }]
      };
    }
    if (empty(d.values)) return null;
    if (chart.kind === "pie") {
      return {
        color: palette,
        tooltip: { trigger: "item", formatter: "{b}:{c}({d}%)" },
        legend: { type: "scroll", bottom: 0 },
        series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], label: { formatter: "{c}" },
                   data: d.labels.map(function (l, i) { return { name: l, value: d.values[i] }; })
                     .filter(function (x) { return x.value > 0; }) }]
      };
    }
    var horizontal = chart.kind === "hbar";
    var category = { type: "category", data: horizontal ? d.labels.slice().reverse() : d.labels };
    var value = { type: "value", minInterval: 1 };
    return {
      color: horizontal ? ["#206bc4"] : ["#f59f00", "#f76707", "#d63939"],
      tooltip: { trigger: "axis" },
      grid: { left: horizontal ? 80 : 40, right: 20, top: 10, bottom: 30 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{ type: "bar", data: horizontal ? d.values.slice().reverse() : d.values,
                 colorBy: horizontal ? "series" : "data", label: { show: true, position: horizontal ? "right" : "top" } }]
    };
  }

  charts.forEach(function (chart) {
    var el = document.querySelector('[data-chart="' + chart.id + '"]');
    if (!el) return;
    var opt = option(chart);
    if (!opt) {
      el.classList.add("dudao-chart-empty");
      el.textContent = "暂无数据";
      return;
    }
    var instance = echarts.init(el, null, { renderer: "svg" });
    instance.setOption(opt);
    window.addEventListener("resize", function () { instance.resize(); });
  });
})();
