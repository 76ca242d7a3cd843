import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every scheduled job is registered the same way: by a provider of its own in a `*.job.ts`
 * file, never from a service's `onModuleInit`, so the jobs of a service are found by file name.
 */
const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.(spec|int-spec|rel-spec)\.ts$/.test(name) ? [path] : [];
  });
}

describe('scheduled jobs', () => {
  const files = [join(ROOT, 'apps'), join(ROOT, 'libs')].flatMap(sources);
  const scheduling = files.filter((f) => /\bjobs\.schedule\(/.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));

  it('finds the jobs (the scan works)', () => {
    expect(scheduling).toEqual(expect.arrayContaining(['apps/payments/src/release-due-escrows/release-due-escrows.job.ts', 'libs/service/src/messaging-retention.job.ts']));
  });

  it('schedules them only from *.job.ts files', () => {
    expect(scheduling.filter((f) => !f.endsWith('.job.ts'))).toEqual([]);
  });
});
