// One source of truth for how TypeScript becomes JavaScript: the build and Jest both call
// this, and the path aliases come from tsconfig.base.json so the two can never disagree.
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));

function swcOptions() {
  return {
    swcrc: false,
    sourceMaps: true,
    module: { type: 'commonjs' },
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      // NestJS dependency injection reads constructor parameter types from decorator metadata.
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
      baseUrl: root,
      paths: tsconfig.compilerOptions.paths,
    },
  };
}

module.exports = { swcOptions, root };
