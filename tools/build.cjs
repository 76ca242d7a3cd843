#!/usr/bin/env node
// Compiles apps/, libs/ and tools/ to dist/ with swc (type checking is `npm run typecheck`).
// Path aliases are rewritten to relative requires, so dist/ runs with plain `node`.
const path = require('node:path');
const fs = require('node:fs');
const swc = require('@swc/core');
const { swcOptions, root } = require('./swc-options.cjs');

const SOURCE_DIRS = ['apps', 'libs', 'tools', 'bench'];
const SKIP = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;
const { RUNTIME_FILES } = require('./runtime-files.cjs');

function* walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'test') continue;
      yield* walk(full);
    } else if (entry.name.endsWith('.ts') && !SKIP.test(entry.name)) {
      yield full;
    }
  }
}

async function main() {
  const out = path.join(root, 'dist');
  fs.rmSync(out, { recursive: true, force: true });
  const files = SOURCE_DIRS.flatMap((d) => [...walk(path.join(root, d))]);
  await Promise.all(
    files.map(async (file) => {
      const rel = path.relative(root, file);
      const target = path.join(out, rel.replace(/\.ts$/, '.js'));
      const { code, map } = await swc.transformFile(file, {
        ...swcOptions(),
        filename: file,
        outputPath: target,
        sourceFileName: path.relative(path.dirname(target), file),
      });
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
      if (map) fs.writeFileSync(`${target}.map`, map);
    }),
  );
  // Non-TypeScript assets the apps read at run time (HTML templates, committed API documents).
  for (const d of SOURCE_DIRS) {
    for (const file of walkAssets(path.join(root, d))) {
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
  console.log(`built ${files.length} files into dist/`);
}

function* walkAssets(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* walkAssets(full);
    } else if (/\.(html|json|yaml|css)$/.test(entry.name) && full.includes(`${path.sep}src${path.sep}`)) {
      yield full;
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
