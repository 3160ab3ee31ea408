// The campaign dashboard's chart: each subtree's share of members who met the targets,
// drawn with the vendored ECharts from data the page carries. The table below it holds
// the same figures for readers without script.
(() => {
  const el = document.getElementById("campaign-chart");
  if (!el || !window.echarts) return;
  const data = JSON.parse(el.dataset.chart || "{}");
  if (!data.names || data.names.length === 0) { el.hidden = true; return; }
  el.style.height = Math.max(160, data.names.length * 34 + 60) + "px";
  const chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 8, right: 36, top: 8, bottom: 24, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: data.names, inverse: true, axisLabel: { width: 150, overflow: "truncate" } },
    tooltip: { trigger: "axis", valueFormatter: (v) => v + "%" },
    series: [{ type: "bar", name: el.dataset.label, data: data.percent, itemStyle: { color: "#c8102e" },
      label: { show: true, position: "right", formatter: "{c}%" } }],
  });
  window.addEventListener("resize", () => chart.resize());
})();
