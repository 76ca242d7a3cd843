import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PROBLEMS, RPC_PROBLEMS, RPC_SERVICE, type ProblemCode } from './problems';
import { RPC_CATALOGUE } from './rpc/catalogue';

/**
 * The catalogue against the code that throws: what each service's source throws (AppError with
 * a status, DomainError, session refusals, not-ready answers, Chapa unavailability) and the role
 * refusals its RPC definitions declare (`@OnRpc(def)` answers them) must be catalogued with the
 * same status, and what the catalogue says a pattern answers must be thrown by that pattern's
 * service.
 */
const ROOT = join(__dirname, '..', '..', '..');
const SERVICES = ['bookings', 'sessions', 'payments', 'notifications'] as const;

/**
 * Codes that never reach a client as such: programming or start-up errors (answered as 500);
 * the ledger's own currency check (the API's schemas only take ETB/USD, and withdrawals answer
 * payout.currency_unsupported first); a session non-participant, answered as `session.not_found`.
 */
const INTERNAL = /^(ledger\.|config\.|agora\.|money\.invalid_currency$|session\.not_participant$)/;
/** Documented on every route by the gateway itself. */
const CROSS_CUTTING = new Set(['auth.unauthenticated', 'auth.forbidden_role', 'validation_failed']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.(spec|int-spec)\.ts$/.test(name) ? [path] : [];
  });
}

interface Thrown {
  code: string;
  status?: number;
  where: string;
}

/** The service's RPC definitions that admit only some roles (so `@OnRpc` refuses the others). */
const roleRestricted = (service: string) => RPC_CATALOGUE.filter((def) => def.service === service && Array.isArray(def.roles));

function thrownBy(service: string): Thrown[] {
  const out: Thrown[] = [];
  for (const file of sources(join(ROOT, 'apps', service, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const where = file.slice(ROOT.length + 1);
    for (const m of text.matchAll(/AppError\(\s*(\d{3}),\s*'([a-z_]+\.[a-z_.]+)'/g)) out.push({ code: m[2]!, status: Number(m[1]), where });
    for (const m of text.matchAll(/DomainError\(\s*'([a-z_]+\.[a-z_.]+)'/g)) {
      // The status is the third argument (409 when absent): read the call with its strings blanked.
      const call = text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + 800).replace(/`[^`]*`|'[^']*'|"[^"]*"/g, "''");
      const args = call.slice(0, call.indexOf(';') >= 0 ? call.indexOf(';') : undefined);
      const status = /^\s*,\s*''\s*,\s*(\d{3})\b/.exec(args)?.[1];
      out.push({ code: m[1]!, status: status ? Number(status) : 409, where });
    }
    for (const m of text.matchAll(/(?:refuse|notReady)\(\s*'([a-z_]+\.[a-z_.]+)'/g)) out.push({ code: m[1]!, where });
    for (const m of text.matchAll(/status:\s*(\d{3}),\s*code:\s*'([a-z_]+\.[a-z_.]+)'/g)) out.push({ code: m[2]!, status: Number(m[1]), where });
    if (where.endsWith('session-errors.ts')) for (const m of text.matchAll(/^\s*'(session\.[a-z_]+)',$/gm)) out.push({ code: m[1]!, where });
  }
  // A role the definition does not list is refused by `@OnRpc(def)` before the handler runs, with
  // the definition's code: the definitions, not the handlers, say which role codes a service answers.
  for (const def of roleRestricted(service)) out.push({ code: def.forbiddenCode, status: 403, where: `${def.name} (RPC definition)` });
  return out.filter((t) => !INTERNAL.test(t.code) && !CROSS_CUTTING.has(t.code));
}

describe('the problem catalogue', () => {
  const thrown = Object.fromEntries(SERVICES.map((s) => [s, thrownBy(s)]));

  it('finds what the services throw (the scan works)', () => {
    for (const s of SERVICES) expect([s, thrown[s]!.length > 0]).toEqual([s, true]);
    expect(thrown.bookings!.map((t) => t.code)).toEqual(expect.arrayContaining(['booking.slot_taken', 'booking.too_soon', 'dispute.not_ready']));
    expect(thrown.sessions!.map((t) => t.code)).toEqual(expect.arrayContaining(['session.too_early', 'session.not_found']));
    expect(thrown.payments!.map((t) => t.code)).toEqual(expect.arrayContaining(['chapa.unavailable', 'payment.not_ready', 'wallet.forbidden_role']));
  });

  it('catalogues every code a service throws, with the status it is thrown with', () => {
    const problems: string[] = [];
    for (const s of SERVICES) {
      for (const t of thrown[s]!) {
        const def = (PROBLEMS as Record<string, { status: number }>)[t.code];
        if (!def) problems.push(`${t.code} (${t.where}) is not in PROBLEMS`);
        else if (t.status !== undefined && t.status !== def.status) problems.push(`${t.code} is thrown with ${t.status} in ${t.where}, catalogued as ${def.status}`);
      }
    }
    // A session refusal from the domain is answered 409, except not_participant (a 404 session.not_found).
    expect(problems).toEqual([]);
  });

  it('lists for each role-restricted RPC pattern the code its definition refuses other roles with', () => {
    const restricted = SERVICES.flatMap(roleRestricted).filter((def) => !CROSS_CUTTING.has(def.forbiddenCode));
    // Payments' own codes (wallet, admin, escrow) make this check mean something.
    expect(restricted.map((def) => def.forbiddenCode)).toEqual(expect.arrayContaining(['wallet.forbidden_role', 'admin.forbidden_role', 'escrow.forbidden_role']));
    const missing = restricted.filter((def) => !(RPC_PROBLEMS[def.name] ?? []).includes(def.forbiddenCode as ProblemCode)).map((def) => `${def.name}: ${def.forbiddenCode}`);
    expect(missing).toEqual([]);
  });

  it('lists for each RPC pattern only codes its service throws, and every catalogued code is answered somewhere', () => {
    const problems: string[] = [];
    for (const [pattern, codes] of Object.entries(RPC_PROBLEMS)) {
      const service = RPC_SERVICE[pattern];
      if (!service) {
        problems.push(`${pattern}: no such RPC pattern`);
        continue;
      }
      const own = new Set(thrown[service]!.map((t) => t.code));
      for (const code of codes ?? []) if (!own.has(code)) problems.push(`${pattern} lists ${code}, which ${service} never throws`);
    }
    const listed = new Set(Object.values(RPC_PROBLEMS).flat());
    for (const code of Object.keys(PROBLEMS) as ProblemCode[]) if (!listed.has(code)) problems.push(`${code} is catalogued but no pattern answers it`);
    expect(problems).toEqual([]);
  });
});
