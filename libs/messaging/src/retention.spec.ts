import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { isPrunable, pruneInBatches } from './retention';

const root = join(__dirname, '../../..');

/** Every table the services' migrations create, as `schema.table`. */
function migratedTables(app: string): string[] {
  const dir = join(root, 'apps', app, 'src', 'migrations');
  const sql = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  return [...sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)\.([a-z_]+)/g)].map((m) => `${m[1]}.${m[2]}`);
}

describe('retention only ever touches its named tables', () => {
  it('finds the payments tables (so the next check is not vacuous)', () => {
    expect(migratedTables('payments')).toEqual(expect.arrayContaining(['payments.ledger_entries', 'payments.escrows', 'payments.escrow_audit', 'payments.payouts', 'payments.refunds']));
  });

  it('never prunes anything of payments but its outbox and inbox: ledger, escrows, audit, payouts, refunds, Chapa records', () => {
    const prunable = migratedTables('payments').filter(isPrunable);
    expect(prunable).toEqual([]);
    expect(isPrunable('payments.outbox')).toBe(true);
    expect(isPrunable('payments.inbox')).toBe(true);
  });

  it('prunes exactly the documented tables of the other services', () => {
    const all = ['gateway', 'bookings', 'sessions', 'notifications'].flatMap(migratedTables);
    expect(all.filter(isPrunable).sort()).toEqual([
      'identity.idempotency_keys',
      'identity.login_known_clients',
      'identity.login_throttle',
      'identity.refresh_token_families',
      'identity.refresh_tokens',
      'notifications.deliveries',
      'notifications.notifications',
    ]);
  });

  it('refuses to run a delete on any other table, before touching the database', async () => {
    let queried = 0;
    const ds = { query: async () => void queried++ } as unknown as DataSource;
    for (const table of ['payments.ledger_entries', 'payments.escrow_audit', 'bookings.bookings', 'payments.outbox; DROP TABLE x', 'outbox']) {
      await expect(pruneInBatches(ds, { table, due: 'true', params: [], batchSize: 10 })).rejects.toThrow(/refuses to delete/);
    }
    expect(queried).toBe(0);
  });
});
