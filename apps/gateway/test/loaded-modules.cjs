// Preloaded (`node --require`) into a gateway process by openapi-runtime.int-spec.ts: records
// every module file the process resolves, CommonJS and ES modules alike (a resolve hook sees
// both; require.cache holds only the former), and writes the list to LOADED_MODULES_REPORT when
// the process gets SIGUSR2.
const { registerHooks } = require('node:module');
const { writeFileSync } = require('node:fs');
const { fileURLToPath } = require('node:url');

const resolved = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (result.url?.startsWith('file:')) resolved.add(fileURLToPath(result.url));
    return result;
  },
});
process.on('SIGUSR2', () => {
  writeFileSync(process.env.LOADED_MODULES_REPORT, JSON.stringify([...resolved, ...Object.keys(require.cache)]));
});
