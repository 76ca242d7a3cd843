import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * Issue 14's rule, checked: in `apps/*\/src`, SQL lives only in `*.store.ts` (and
 * `*.repository.ts`) files and in migrations. Use cases, adapters (`*.rpc.ts`, `*.events.ts`) and
 * jobs call stores; a reader who wants a query opens the aggregate's store.
 */
const root = resolve(__dirname, '../..');
const appsDir = join(root, 'apps');

/**
 * Files that run statements without holding any: the stores pass them their SQL. Each says why.
 */
const RUNNERS: Record<string, string> = {
  'apps/payments/src/shared/db.ts': "rows/one/single: run a store's statement and unwrap TypeORM's [rows, count] answer",
};

/** Files that may hold SQL. */
const allowed = (path: string) => /\.(store|repository)\.ts$/.test(path) || /\/migrations\//.test(path) || path in RUNNERS;

/**
 * What counts as SQL: a call that runs a statement, or a statement in a string. Comments are
 * removed first, so "(SELECT … FOR UPDATE)" in prose is not a finding.
 */
const SQL = [
  /\.query\s*[<(]/,
  /createQueryBuilder\s*\(/,
  /[`'"]\s*(SELECT|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS)\b/i,
];

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourcesUnder(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|int-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

export function sqlOutsideStores(files: Array<{ path: string; text: string }>): string[] {
  return files
    .filter((f) => !allowed(f.path))
    .flatMap((f) =>
      withoutComments(f.text)
        .split('\n')
        .flatMap((line, i) => (SQL.some((re) => re.test(line)) ? [`${f.path}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe('SQL only in stores (apps/*/src)', () => {
  const files = readdirSync(appsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => sourcesUnder(join(appsDir, d.name, 'src')))
    .map((path) => ({ path: relative(root, path), text: readFileSync(path, 'utf8') }));

  it('finds the sources it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => /\.store\.ts$/.test(f.path)).length).toBeGreaterThan(10);
  });

  it('no file outside *.store.ts, *.repository.ts and migrations/ holds SQL', () => {
    expect(sqlOutsideStores(files)).toEqual([]);
  });

  it('every statement runner it exempts exists and holds no statement of its own', () => {
    for (const path of Object.keys(RUNNERS)) {
      const file = files.find((f) => f.path === path);
      expect(file).toBeDefined();
      expect(sqlOutsideStores([{ path: 'apps/x/src/probe.ts', text: file!.text.replace(/\.query\s*\(sql, params\)/g, '') }])).toEqual([]);
    }
  });

  it('would catch SQL in a handler, but not a store, a migration or a comment', () => {
    const planted = [
      { path: 'apps/x/src/cancel-booking/cancel-booking.rpc.ts', text: "await em.query(`SELECT 1`, []);" },
      { path: 'apps/x/src/cancel-booking/cancel-booking.ts', text: "const sql = `UPDATE bookings.bookings SET status = 'x'`;" },
      { path: 'apps/x/src/stores/booking.store.ts', text: 'await em.query(`SELECT 1`);' },
      { path: 'apps/x/src/migrations/1-x.ts', text: 'await q.query(`CREATE TABLE x ()`);' },
      { path: 'apps/x/src/shared/escrow.ts', text: '// the caller holds the row (SELECT … FOR UPDATE)\n/* INSERT INTO nothing */' },
    ];
    expect(sqlOutsideStores(planted)).toEqual([
      'apps/x/src/cancel-booking/cancel-booking.rpc.ts:1: await em.query(`SELECT 1`, []);',
      "apps/x/src/cancel-booking/cancel-booking.ts:1: const sql = `UPDATE bookings.bookings SET status = 'x'`;",
    ]);
  });
});
