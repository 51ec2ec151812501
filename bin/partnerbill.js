#!/usr/bin/env node
// The one entry point: runs the compiled CLI in dist/ (built by `npm run build`, which `npm install`
// on a checkout runs through the `prepare` script). Stack traces point into src/ via source maps.
process.setSourceMapsEnabled(true);
const { main } = await import("../dist/cli/main.js");
await main(process.argv);
