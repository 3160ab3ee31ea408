// The distribution chart of a round's dashboard: the levels and their counts come from a
// JSON block the page renders, so no script is inline (the CSP forbids it). Without
// ECharts the table beside it still says everything.
(function () {
  'use strict';
  function draw() {
    var el = document.getElementById('eval-chart');
    var data = document.getElementById('eval-chart-data');
    if (!el || !data || typeof echarts === 'undefined') return;
    var d = JSON.parse(data.textContent);
    var chart = echarts.init(el, null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      grid: { left: 36, right: 12, top: 16, bottom: 40 },
      xAxis: { type: 'category', data: d.labels, axisLabel: { interval: 0, rotate: d.labels.length > 4 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: d.counts, itemStyle: { color: '#c8102e' }, label: { show: true, position: 'top' } }]
    });
    el.setAttribute('data-drawn', 'true');
    window.addEventListener('resize', function () { chart.resize(); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw); else draw();
})();
