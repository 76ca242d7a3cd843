import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Figures of the last passing run of each scenario, written to `reliability/.results/<name>.json`
 * (not committed) so that docs/reliability.md can quote them.
 */
export function record(name: string, figures: Record<string, unknown>): void {
  const dir = join(__dirname, '..', '.results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ scenario: name, at: new Date().toISOString(), result: 'pass', ...figures }, null, 2)}\n`);
}
