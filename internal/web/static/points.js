// The twelve-month trend of "my points", drawn with ECharts when it has loaded. The page
// works without this file: the same figures are in the table under the chart.
(() => {
  const el = document.getElementById("points-trend");
  if (!el || !window.echarts) return;
  const months = el.dataset.months ? el.dataset.months.split(",") : [];
  const values = el.dataset.values ? el.dataset.values.split(",").map(Number) : [];
  const chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 36, right: 8, top: 16, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: months.map((m) => m.slice(2)), axisLabel: { fontSize: 10 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: el.dataset.label || "", type: "bar", data: values, itemStyle: { color: "#c8161d" } }],
    animation: false,
  });
  el.dataset.drawn = "true";
  window.addEventListener("resize", () => chart.resize());
})();
