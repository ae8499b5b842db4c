'use strict';
// plotly.js for cycleanalytics' reports: the cartesian partial bundle and sankey.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/box'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/histogram2d'),
    require('plotly.js/lib/histogram2dcontour'),
    require('plotly.js/lib/contour'),
    require('plotly.js/lib/scatterternary'),
    require('plotly.js/lib/violin'),
    require('plotly.js/lib/pie'),
    require('plotly.js/lib/sankey'),
    require('plotly.js/lib/calendars'),
]);
module.exports = Plotly;
