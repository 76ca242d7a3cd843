import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * Comments and documents cite the design brief as `docs/design.md §n`: a document in this
 * repository, with a section n. A bare "DESIGN §n" or "DESIGN.md" pointed at a copy outside the
 * repository that a reader of the code does not have.
 */
const root = resolve(__dirname, '../..');
const design = 'docs/design.md';
const scanned = ['apps', 'libs', 'tools', 'docs', 'e2e', 'reliability', 'bench', 'k8s'];
const skipped = new Set(['node_modules', 'dist', '.nx', 'coverage']);
const textFile = /\.(ts|md|cjs|mjs|js|ya?ml|json|sh)$|^Dockerfile$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return textFile.test(entry.name) ? [path] : [];
  });
}

const sources = [
  ...scanned.flatMap((dir) => filesUnder(join(root, dir))),
  ...['README.md', 'Dockerfile', 'docker-compose.yml', 'eslint.config.mjs', 'jest.config.js'].map((f) => join(root, f)),
]
  .map((path) => relative(root, path))
  // The brief itself, and this spec, which names the old citation form.
  .filter((path) => path !== design && path !== relative(root, __filename));

const sectionsOfDesign = new Set([...readFileSync(join(root, design), 'utf8').matchAll(/^## (\d+)\./gm)].map((m) => m[1]));

describe(`citations of ${design}`, () => {
  it('the brief is in the repository, with its numbered sections', () => {
    expect([...sectionsOfDesign]).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  });

  it('no file cites the design brief outside the repository', () => {
    const stray = sources.flatMap((path) =>
      readFileSync(join(root, path), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\bDESIGN\b/.test(line) ? [`${path}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(stray).toEqual([]);
  });

  it(`every "${design} §n" names a section the brief has`, () => {
    const cited = sources.flatMap((path) =>
      [...readFileSync(join(root, path), 'utf8').matchAll(/docs\/design\.md §(\d+)/g)].map((m) => ({ path, section: m[1] })),
    );
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.filter(({ section }) => !sectionsOfDesign.has(section))).toEqual([]);
  });
});
