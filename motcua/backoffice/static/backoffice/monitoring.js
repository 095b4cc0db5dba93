/* Charts of the monitoring dashboard (bảng điều hành), drawn with Chart.js from the data the page
 * carries in <script type="application/json" id="chart-data"> (json_script): no inline script, so
 * the strict CSP holds. Each canvas starts hidden and its data table open: without JavaScript the
 * table is the chart. Once a chart is drawn, the canvas is shown and the table folds into its
 * <details> (still there for screen readers and for anyone who opens it). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var ink = "#1b1f24", brand = "#0b4a86", soft = "#c9d1d9", accent = "#b3261e";
  var big = window.matchMedia("(min-width: 60rem)").matches;
  Chart.defaults.font.size = big ? 16 : 13;
  Chart.defaults.color = ink;
  Chart.defaults.animation = false;

  function number(value) {
    return Number(value).toLocaleString("vi-VN", { maximumFractionDigits: 2 });
  }

  var builders = {
    groups: function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: "Điểm đạt", data: d.points, backgroundColor: brand },
            { label: "Điểm tối đa", data: d.max, backgroundColor: soft }
          ]
        },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true } } }
      };
    },
    trend: function (d) {
      return {
        type: "line",
        data: {
          labels: d.labels,
          datasets: [{ label: "Tổng điểm", data: d.totals, borderColor: brand, backgroundColor: brand, borderWidth: 3, pointRadius: 4 }]
        },
        options: { scales: { y: { beginAtZero: true, max: 100 } } }
      };
    },
    ranking: function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [{ label: "Tổng điểm", data: d.totals, backgroundColor: d.totals.map(function (t) { return t < 50 ? accent : brand; }) }]
        },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true, max: 100 } } }
      };
    }
  };

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var name = canvas.getAttribute("data-chart");
    var d = data[name];
    if (!d || !builders[name] || !d.labels || !d.labels.length) return;
    var config = builders[name](d);
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options);
    config.options.plugins = {
      legend: { position: "bottom" },
      tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + number(ctx.parsed[config.options.indexAxis === "y" ? "x" : "y"]); } } }
    };
    canvas.hidden = false;
    var chart = new Chart(canvas, config);
    canvas.setAttribute("data-drawn", "1");
    canvas.chart = chart;
    var figure = canvas.closest("figure");
    var details = figure && figure.querySelector("details.mon-table");
    if (details) details.open = false;
  });
})();
