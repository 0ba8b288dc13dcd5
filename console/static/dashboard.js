// The dashboard's and the yearly report's charts, drawn with the vendored ECharts from the
// figures the page carries in a <script type="application/json"> block (the Content-Security-
// Policy allows no inline script). Each chart element names its block: data-chart="<id>".
(function () {
  "use strict";

  var FONT = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", system-ui, sans-serif';
  var charts = [];

  // Stacked bars of attendances per kind (or center), and the participants as a line.
  function option(data) {
    var series = data.bars.map(function (bar) {
      return { name: bar.name, type: "bar", stack: "attendances", data: bar.data,
        emphasis: { focus: "series" } };
    });
    series.push({ name: data.line.name, type: "line", data: data.line.data, symbolSize: 6,
      lineStyle: { width: 3 }, z: 10 });
    return {
      animation: false,
      textStyle: { fontFamily: FONT, fontSize: 14 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0, textStyle: { fontSize: 14 } },
      grid: { left: 8, right: 16, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { fontSize: 13 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 13 } },
      series: series
    };
  }

  function draw(element) {
    var block = document.getElementById(element.getAttribute("data-chart"));
    if (!block || !window.echarts) return;
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(JSON.parse(block.textContent)));
    charts.push(chart);
  }

  function resizeAll() {
    charts.forEach(function (chart) { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
  window.addEventListener("resize", resizeAll);
  // The printed page is narrower than the screen: fit the charts to it, and back.
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
})();
