// The oversight dashboard's charts, drawn with the vendored ECharts from the figures the
// page carries; the tables and lines beside them hold the same figures without script.
(() => {
  const holder = document.getElementById("dashboard-charts");
  if (!holder || !window.echarts) return;
  const d = JSON.parse(holder.dataset.charts || "{}");
  const L = d.Labels || {};
  const charts = [];
  const draw = (id, option) => {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(Object.assign({ grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true }, tooltip: { trigger: "axis" } }, option));
    charts.push(chart);
  };
  draw("chart-meetings", {
    legend: { top: 0 },
    xAxis: { type: "category", data: d.months || [] },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { type: "bar", name: L.due, data: d.due || [], itemStyle: { color: "#9aa5b1" } },
      { type: "bar", name: L.held, data: d.held || [], itemStyle: { color: "#c8102e" } },
      { type: "bar", name: L.overdue, data: d.overdue || [], itemStyle: { color: "#e8a317" } },
    ],
  });
  draw("chart-pipeline", {
    xAxis: { type: "category", data: d.stages || [], axisLabel: { interval: 0, overflow: "truncate", width: 70 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", name: L.people, data: d.pipeline || [], itemStyle: { color: "#c8102e" }, label: { show: true, position: "top" } }],
  });
  if ((d.campaigns || []).length) {
    draw("chart-campaigns", {
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: d.campaigns, inverse: true, axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ type: "bar", name: L.percent, data: d.percent, itemStyle: { color: "#c8102e" }, label: { show: true, position: "right", formatter: "{c}%" } }],
    });
  }
  draw("chart-points", {
    xAxis: { type: "category", data: d.buckets || [], axisLabel: { interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", name: L.people, data: d.people || [], barCategoryGap: "2%", itemStyle: { color: "#c8102e" } }],
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
