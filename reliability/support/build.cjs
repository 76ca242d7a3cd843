#!/usr/bin/env node
// The suite's own build: the same swc compilation as tools/build.cjs (same options, same files,
// same assets), but into a private directory given as the argument. `npm run build` wipes and
// rewrites the shared dist/ whenever anyone runs it, which would pull files from under a
// platform this suite is running (or restarting after a kill -9).
const path = require('node:path');
const fs = require('node:fs');
const swc = require('@swc/core');
const { swcOptions, root } = require('../../tools/swc-options.cjs');
const { RUNTIME_FILES } = require('../../tools/runtime-files.cjs');

const SOURCE_DIRS = ['apps', 'libs'];
const SKIP = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;

function* walk(dir, pick) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'test') continue;
      yield* walk(full, pick);
    } else if (pick(full, entry.name)) {
      yield full;
    }
  }
}

async function main() {
  const out = path.resolve(process.argv[2]);
  if (!out.startsWith(path.join(root, 'reliability', '.build'))) throw new Error(`refusing to build into ${out}`);
  fs.rmSync(out, { recursive: true, force: true });
  const files = SOURCE_DIRS.flatMap((d) => [...walk(path.join(root, d), (_f, n) => n.endsWith('.ts') && !SKIP.test(n))]);
  await Promise.all(
    files.map(async (file) => {
      const rel = path.relative(root, file);
      const target = path.join(out, rel.replace(/\.ts$/, '.js'));
      const { code } = await swc.transformFile(file, { ...swcOptions(), sourceMaps: false, filename: file, outputPath: target });
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, code);
    }),
  );
  for (const d of SOURCE_DIRS) {
    for (const file of walk(path.join(root, d), (f, n) => /\.(html|json|yaml|css)$/.test(n) && f.includes(`${path.sep}src${path.sep}`))) {
      const target = path.join(out, path.relative(root, file));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(file, target);
    }
  }
  for (const file of RUNTIME_FILES) {
    const target = path.join(out, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(root, file), target);
  }
  console.log(`built ${files.length} files into ${path.relative(root, out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
