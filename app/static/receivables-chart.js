// The credit file's receivables over time: balance and overdue per as-of date, the current limit as a
// dashed line. The figures and the labels come from JSON blocks the page wrote in the reader's language.
(function () {
  "use strict";
  var holder = document.getElementById("receivables-chart");
  var source = document.getElementById("receivables-chart-data");
  var names = document.getElementById("receivables-chart-labels");
  if (!holder || !source || !names || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = JSON.parse(names.textContent);
  var series = [
    { name: labels.balance, type: "line", data: data.balance, smooth: false, showSymbol: true },
    { name: labels.overdue, type: "line", data: data.overdue, smooth: false, showSymbol: true }
  ];
  if (data.limit !== null) {
    series.push({
      name: labels.limit,
      type: "line",
      data: data.dates.map(function () { return data.limit; }),
      showSymbol: false,
      lineStyle: { type: "dashed" }
    });
  }
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.dates, boundaryGap: false },
    yAxis: { type: "value" },
    series: series
  });
  holder.setAttribute("data-rendered", "1");
  window.addEventListener("resize", function () { chart.resize(); });
})();
