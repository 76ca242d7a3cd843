// Runs a TypeScript entry point (argv[2]) in its own process, compiled on the fly with the
// project's swc options (the same as the build and Jest), so a test can start another app as
// a separate process, spoken to over HTTP only, without building dist/.
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');
const { swcOptions } = require('../../../tools/swc-options.cjs');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...swcOptions(), filename, sourceMaps: 'inline' });
  module._compile(code, filename);
};
// Take the entry point off argv, so the program sees its own arguments where it would when run
// directly (`node main.js migrate`: process.argv[2] === 'migrate').
const [entry] = process.argv.splice(2, 1);
require(path.resolve(entry));
