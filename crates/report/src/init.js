// Draws every chart of a Palermo report with Vega-Embed. Each chart container names the JSON data
// island that holds its Vega-Lite spec; the outcome is recorded on the container as
// data-chart-status ("ready" or "error") so tests and readers can tell what happened.
(function () {
  "use strict";
  var font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif";
  var config = {
    font: font,
    background: null,
    view: { stroke: null },
    axis: {
      labelColor: "#333", titleColor: "#333", labelFontSize: 11, titleFontSize: 12,
      titleFontWeight: "normal", gridColor: "#e3e7ec", domainColor: "#9aa5b1", tickColor: "#9aa5b1"
    },
    legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", labelColor: "#333", titleColor: "#333" },
    range: {
      category: ["#1f4e79", "#e07b39", "#3a9e8f", "#c0504d", "#7f6aa8", "#8c6d31", "#d4a017", "#5b9bd5", "#6b8e23", "#b5838d"]
    },
    bar: { color: "#1f4e79" },
    line: { color: "#1f4e79" },
    point: { color: "#1f4e79" }
  };
  function fail(el, err) {
    el.setAttribute("data-chart-status", "error");
    el.textContent = "This chart could not be drawn (" + (err && err.message ? err.message : String(err)) +
      "). Its figures are in the data table below.";
  }
  var charts = document.querySelectorAll("div.chart[data-spec]");
  Array.prototype.forEach.call(charts, function (el) {
    var spec;
    try {
      spec = JSON.parse(document.getElementById(el.getAttribute("data-spec")).textContent);
    } catch (err) {
      fail(el, err);
      return;
    }
    if (typeof vegaEmbed !== "function") {
      fail(el, "the chart library did not load");
      return;
    }
    vegaEmbed(el, spec, { renderer: "svg", actions: false, config: config })
      .then(function () { el.setAttribute("data-chart-status", "ready"); })
      .catch(function (err) { fail(el, err); });
  });
})();
