// On a narrow screen (a phone), legends go below the charts instead of squeezing the plot.
// Long axis and chart titles wrap at word boundaries instead of running off the chart.
function caWrap(text, width) {
  if (typeof text !== "string" || text.length <= width || text.indexOf("<br>") >= 0) {
    return null;
  }
  var lines = [""];
  text.split(" ").forEach(function (word) {
    var line = lines[lines.length - 1];
    if (line && (line + " " + word).length > width) { lines.push(word); }
    else { lines[lines.length - 1] = line ? line + " " + word : word; }
  });
  return lines.join("<br>");
}
function caCategories(chart, letter) {  // the text categories of a chart's bars on an axis
  var seen = [];
  (chart.data || []).forEach(function (trace) {
    if (trace.type !== "bar" || (trace.xaxis || "x") !== "x" || (trace.yaxis || "y") !== "y") {
      return;
    }
    var along = trace.orientation === "h" ? "y" : "x";
    if (along !== letter || !trace[letter]) { return; }
    Array.prototype.forEach.call(trace[letter], function (value) {
      if (typeof value === "string" && seen.indexOf(value) < 0) { seen.push(value); }
    });
  });
  return seen;
}
window.addEventListener("load", function () {
  if (window.innerWidth > 640 || !window.Plotly) { return; }
  document.querySelectorAll(".js-plotly-plot").forEach(function (chart) {
    if (!chart.layout) { return; }
    var update = {}, extra = 0;  // extra: lines the x axis title gained
    Object.keys(chart.layout).forEach(function (key) {
      var title = /^[xy]axis[0-9]*$/.test(key) && chart.layout[key].title;
      var wrapped = title && caWrap(title.text, 32);
      if (wrapped) {
        update[key + ".title.text"] = wrapped;
        if (key.charAt(0) === "x") { extra = Math.max(extra, wrapped.split("<br>").length - 1); }
      }
    });
    var size = chart._fullLayout ? chart._fullLayout._size : {w: 300, t: 40, b: 40};
    ["x", "y"].forEach(function (letter) {  // long bar categories wrap too (rules, areas)
      var categories = caCategories(chart, letter);
      // a row label gets 20 characters; a column label what its column's width holds
      var width = letter === "y" ? 20 : Math.max(6, Math.floor(size.w / categories.length / 7));
      var longest = Math.max.apply(null, categories.map(function (c) { return c.length; }));
      if (!categories.length || longest <= width) { return; }
      var text = categories.map(function (c) { return caWrap(c, width) || c; });
      update[letter + "axis.tickmode"] = "array";
      update[letter + "axis.tickvals"] = categories;
      update[letter + "axis.ticktext"] = text;
      if (letter === "x") { update["xaxis.tickangle"] = 0; return; }
      var lines = Math.max.apply(null, text.map(function (t) { return t.split("<br>").length; }));
      var needed = categories.length * (lines * 15 + 10) + size.t + size.b;
      if (chart._fullLayout && needed > chart._fullLayout.height) { update.height = needed; }
    });
    var heading = chart.layout.title && caWrap(chart.layout.title.text, 36);
    if (heading) { update["title.text"] = heading; }
    if (chart.layout.showlegend !== false) {  // below the chart, under the axis title
      var plotHeight = (update.height || (chart._fullLayout || {}).height || 450) - size.t - size.b;
      Object.assign(update, {"legend.orientation": "h", "legend.x": 0, "legend.xanchor": "left",
        "legend.y": -(75 + 30 * extra) / Math.max(plotHeight, 100), "legend.yanchor": "top"});
      if (extra && chart._fullLayout) {
        update["margin.b"] = chart._fullLayout.margin.b + 30 * extra;
      }
    }
    if (update.height && chart.parentElement) {  // the page makes room for a taller chart
      chart.parentElement.style.height = update.height + "px";
    }
    if (Object.keys(update).length) { Plotly.relayout(chart, update); }
  });
});
