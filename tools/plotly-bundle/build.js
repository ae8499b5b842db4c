// Builds plotly.js with the trace types of entry.js into the package's assets (see README.md).
const esbuild = require('esbuild');
const path = require('path');
const { environmentPlugin } = require('esbuild-plugin-environment');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');

const version = require('plotly.js/package.json').version;
const outfile = path.join(__dirname, '..', '..', 'src', 'cycleanalytics', 'assets',
    `plotly-${version}-report.min.js`);

// The settings of plotly.js's own esbuild-config.js, less the GLSL plugin (no WebGL trace here).
esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    banner: {
        js: `/**\n* plotly.js v${version} (cycleanalytics report bundle: cartesian traces and sankey)\n` +
            '* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n' +
            '* Licensed under the MIT license\n*/',
    },
    plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
    alias: { stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'info',
}).catch(() => process.exit(1));
