import { createHmac, randomUUID } from 'node:crypto';
import { ADMIN, startCluster, type Cluster } from './support/cluster';
import { assertExactlyOnce } from './support/effects';
import { http, type Reply, type RequestOptions } from './support/http';
import { assertMoneyInvariants, withDb } from '@tutorhub/testing';
import { accept, book, loginAs, pay, runJourney, waitBookingStatus, waitEscrow, type Account, type Client, type JourneyResult } from './support/journey';
import { MASS_ASSIGNMENT, UNSTORABLE_TEXT, allOperations, committedDocument, invalidBodies, validExample, type Operation, type Schema } from './support/openapi';
import { record } from './support/results';
import { hostileTokens, validToken } from './support/tokens';

/**
 * A hostile sweep over every operation of the gateway's OpenAPI document (the committed one and
 * the one the running gateway serves): as nobody, with broken and forged tokens, as the wrong
 * role, as an outsider to someone else's booking, with mass-assigned fields, generated invalid
 * payloads and query strings, oversized and non-JSON bodies.
 *
 * Every answer must be a 4xx RFC 9457 problem (`application/problem+json` with a `code`),
 * never a 5xx, and no answer to one user may contain another user's ids, emails, bookings,
 * payments or notifications. Two students and two tutors with real lessons behind them are
 * seeded first so that there is something to leak.
 */

type Role = 'student' | 'tutor' | 'admin';

/** Who may call what (docs/design.md §6); unlisted operations are open to any signed-in user. */
const ROLES: Array<[RegExp, Role[]]> = [
  [/^PUT \/api\/tutors\/me$/, ['tutor']],
  [/^PUT \/api\/tutors\/me\/availability$/, ['tutor']],
  [/^(GET|POST|DELETE) \/api\/tutors\/me\/time-off/, ['tutor']],
  [/^POST \/api\/bookings\/\{id\}\/reschedule/, ['student', 'tutor']],
  [/^POST \/api\/bookings$/, ['student']],
  [/^POST \/api\/bookings\/\{id\}\/(accept|decline)$/, ['tutor']],
  [/^POST \/api\/bookings\/\{id\}\/payment$/, ['student']],
  [/^POST \/api\/bookings\/\{id\}\/dispute$/, ['student']],
  [/^POST \/api\/bookings\/\{id\}\/review$/, ['student', 'tutor']],
  // An admin, or the student of a lesson that took place ("pay the tutor now").
  [/^POST \/api\/sessions\/\{bookingId\}\/release-escrow$/, ['student', 'admin']],
  [/^(GET|POST) \/api\/sessions\//, ['student', 'tutor']],
  [/^(GET|POST) \/api\/wallet/, ['tutor']],
  [/^(GET|POST) \/api\/admin\//, ['admin']],
];
const rolesFor = (op: Operation): Role[] => ROLES.find(([re]) => re.test(`${op.method} ${op.path}`))?.[1] ?? ['student', 'tutor', 'admin'];

interface Party {
  student: Account;
  tutor: Account;
  done: JourneyResult;
  liveBookingId: string;
  txRefs: string[];
  notificationIds: string[];
}

describe('hostile HTTP sweep over the OpenAPI document', () => {
  let cluster: Cluster;
  let ops: Operation[];
  let A: Party;
  let B: Party;
  let admin: { id: string; token: string };
  let sent = 0;
  const failures: string[] = [];
  const client = (): Client => ({ base: () => cluster.api(0), sandboxUrl: cluster.sandboxUrl });

  beforeAll(async () => {
    cluster = await startCluster();
    const c = client();
    const seed = async (tag: string): Promise<Party> => {
      const journeyTag = `hostile-${tag}-${randomUUID().slice(0, 4)}`;
      const done = await runJourney(c, { kind: 'lesson', tag: journeyTag });
      const { student, tutor } = done;
      // A second, confirmed lesson two hours ahead: a live booking, payment and session target.
      const live = await book(c, student, tutor, `rel-${journeyTag}`, new Date(Date.now() + 2 * 3600_000), 30);
      await accept(c, tutor, live.id);
      const txRef = await pay(c, student, live.id);
      await waitBookingStatus(c, student, live.id, ['confirmed']);
      await waitEscrow(c, student, live.id, ['held']);
      const inbox = await http<{ items: Array<{ id: string }> }>(cluster.api(), 'GET', '/notifications?limit=100', { token: student.token });
      const tutorInbox = await http<{ items: Array<{ id: string }> }>(cluster.api(), 'GET', '/notifications?limit=100', { token: tutor.token });
      const view = await http<{ payment: { txRef?: string } | null }>(cluster.api(), 'GET', `/bookings/${done.bookingId}/payment`, { token: student.token });
      return {
        student,
        tutor,
        done,
        liveBookingId: live.id,
        txRefs: [txRef, view.body.payment?.txRef].filter((x): x is string => !!x),
        notificationIds: [...inbox.body.items, ...tutorInbox.body.items].map((n) => n.id),
      };
    };
    try {
      [A, B] = await Promise.all([seed('a'), seed('b')]);
    } catch (err) {
      throw new Error(`seeding failed: ${(err as Error).message}\n${cluster.dump(40)}`);
    }
    admin = await loginAs(c, ADMIN.email, ADMIN.password);
    const served = await http<Parameters<typeof allOperations>[1]>(cluster.url('gateway'), 'GET', '/docs/openapi.json');
    if (served.status !== 200) throw new Error(`served OpenAPI document: ${served.status}`);
    ops = allOperations(committedDocument(), served.body);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  // ---- what one party must never see of the other -------------------------------------------
  const secretsOf = (p: Party, route: string): string[] => [
    p.student.id,
    p.student.email,
    p.tutor.email,
    // A tutor's id is public on the tutor directory (it is the profile's id), nowhere else.
    ...(route.startsWith('/api/tutors') ? [] : [p.tutor.id]),
    p.done.bookingId,
    p.liveBookingId,
    ...p.txRefs,
    ...p.notificationIds,
  ];

  /** Checks an answer; records a failure instead of throwing so that one run lists them all. */
  const check = (label: string, r: Reply, expect: number[], o: { actor?: Party | 'nobody' | 'admin'; route: string; request: string; codes?: string[] }) => {
    sent++;
    const problems: string[] = [];
    if (r.status === 0) problems.push(`no answer (${r.text})`);
    if (r.status >= 500) problems.push(`server error ${r.status}`);
    if (!expect.includes(r.status)) problems.push(`status ${r.status}, expected ${expect.join('/')}`);
    if (r.status >= 400) {
      const body = r.body as { code?: unknown; status?: unknown } | null;
      if (!r.contentType.startsWith('application/problem+json')) problems.push(`content-type ${r.contentType}`);
      if (typeof body?.code !== 'string') problems.push('problem without a code');
      else if (o.codes && !o.codes.includes(body.code)) problems.push(`code ${body.code}, expected ${o.codes.join('/')}`);
      if (body?.status !== undefined && body.status !== r.status) problems.push(`problem status ${String(body.status)} ≠ ${r.status}`);
    }
    if (o.actor !== 'admin') {
      const others = o.actor === 'nobody' || !o.actor ? [A, B] : [o.actor === A ? B : A];
      const leaked = others
        .flatMap((p) => secretsOf(p, o.route))
        // Echoes of what the caller itself sent (the problem's `instance` is the request path) are no leak.
        .filter((s) => s && !o.request.includes(s) && r.text.includes(s));
      if (leaked.length) problems.push(`LEAK of another user's data: ${leaked.join(', ')}`);
    }
    if (problems.length) failures.push(`${label}: ${problems.join('; ')} — ${r.text.slice(0, 200)}`);
  };

  /** Sweeps that ended clean (the record says which, so a partial pass is never reported as a pass). */
  const clean: string[] = [];
  const drain = (what: string) => {
    const list = failures.splice(0);
    if (list.length) throw new Error(`${what}: ${list.length} problem(s)\n${list.slice(0, 60).join('\n')}`);
    clean.push(what);
  };

  // ---- how to call an operation ---------------------------------------------------------------
  const pathFor = (op: Operation, p: Party, which: 'own' | 'other' = 'own'): string => {
    const target = which === 'own' ? p : p === A ? B : A;
    return op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (op.path.startsWith('/api/notifications/devices')) return 'device-token-0123456789abcdef';
      if (op.path.startsWith('/api/notifications/')) return target.notificationIds[0] ?? randomUUID();
      if (op.path.startsWith('/api/tutors/')) return target.tutor.id;
      if (op.path.startsWith('/api/admin/disputes/')) return randomUUID();
      if (op.path.startsWith('/api/admin/escrows/')) return target.done.bookingId;
      if (name === 'id' || name === 'bookingId') return target.liveBookingId;
      return randomUUID();
    });
  };

  /** A body the operation's schema accepts (hand-written where generation cannot know the domain). */
  const validBody = (op: Operation, p: Party): Record<string, unknown> | undefined => {
    const key = `${op.method} ${op.path}`;
    const known: Record<string, Record<string, unknown>> = {
      'PUT /api/tutors/me': { headline: 'Maths tutor', bio: 'I teach.', subjects: ['maths'], hourlyRate: { amountMinor: 1000, currency: 'ETB' }, timezone: 'Africa/Addis_Ababa' },
      'POST /api/bookings': { tutorId: p.tutor.id, subject: 'maths', startsAt: new Date(Date.now() + 5 * 86400_000).toISOString(), durationMinutes: 30 },
      'POST /api/bookings/{id}/review': { rating: 5, comment: 'Fine.' },
      'POST /api/bookings/{id}/dispute': { reason: 'It did not happen.' },
      'POST /api/bookings/{id}/decline': { reason: 'Busy.' },
      'POST /api/bookings/{id}/cancel': { reason: 'Busy.' },
      'POST /api/admin/disputes/{id}/resolve': { outcome: 'split', refundBasisPoints: 5000 },
      'POST /api/sessions/{bookingId}/end': { notes: 'Notes.' },
      'PUT /api/tutors/me/availability': { timezone: 'Africa/Addis_Ababa', weekly: [{ day: 'mon', from: '00:00', to: '24:00' }] },
      'POST /api/tutors/me/time-off': { startsAt: new Date(Date.now() + 300 * 86400_000).toISOString(), endsAt: new Date(Date.now() + 301 * 86400_000).toISOString() },
      'POST /api/bookings/{id}/reschedule': { startsAt: new Date(Date.now() + 7 * 86400_000).toISOString() },
      'POST /api/notifications/devices': { token: 'device-token-0123456789abcdef', platform: 'android' },
      'POST /api/wallet/withdrawals': { amount: { amountMinor: 100, currency: 'ETB' }, bankCode: 'bank1', accountNumber: '0123456789', accountName: 'Tutor A' },
      'POST /api/auth/register': { email: `x.${randomUUID().slice(0, 8)}@reliability.test`, password: 'correct horse battery staple', fullName: 'X', role: 'student' },
      'POST /api/auth/login': { email: p.student.email, password: 'wrong password, of course' },
      'POST /api/auth/refresh': { refreshToken: 'r'.repeat(40) },
      'POST /api/auth/logout': { refreshToken: 'r'.repeat(40) },
    };
    if (known[key]) return known[key];
    if (!op.body) return undefined;
    const ex = validExample(op.body);
    return ex && typeof ex === 'object' && !Array.isArray(ex) ? (ex as Record<string, unknown>) : {};
  };

  const tokenOf = (p: Party, role: Role) => (role === 'student' ? p.student.token : role === 'tutor' ? p.tutor.token : admin.token);

  const call = (op: Operation, path: string, o: RequestOptions): Promise<Reply> => http(cluster.url('gateway'), op.method, path, { timeoutMs: 15000, ...o });

  const apiOps = () => ops.filter((op) => op.path.startsWith('/api/'));
  /** Streams never end by themselves: only refusals of them are swept. */
  const isStream = (op: Operation) => op.path === '/api/notifications/stream';

  it('covers every operation of the document', () => {
    const keys = ops.map((o) => `${o.method} ${o.path}`);
    expect(keys).toEqual(expect.arrayContaining(['POST /api/auth/register', 'GET /api/me', 'POST /api/bookings', 'GET /api/bookings/{id}', 'POST /api/sessions/{bookingId}/start']));
    expect(ops.length).toBeGreaterThanOrEqual(30);
  });

  it('refuses every protected operation without a token, with a malformed header or a forged, tampered, expired or alg:none token (401)', async () => {
    const forged = await hostileTokens(A.student.token);
    const admins = await hostileTokens(admin.token);
    const variants: Array<{ name: string; headers: Record<string, string>; codes: string[] }> = [
      { name: 'no token', headers: {}, codes: ['auth.unauthenticated'] },
      { name: 'Basic auth', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, codes: ['auth.token_invalid', 'auth.unauthenticated'] },
      { name: 'empty Bearer', headers: { authorization: 'Bearer ' }, codes: ['auth.token_invalid', 'auth.unauthenticated'] },
      { name: 'two tokens', headers: { authorization: `Bearer ${A.student.token} ${B.student.token}` }, codes: ['auth.token_invalid'] },
      ...[...forged, ...admins.map((t) => ({ ...t, name: `admin's, ${t.name}` }))].map((t) => ({ name: t.name, headers: { authorization: `Bearer ${t.token}` }, codes: [t.code] })),
    ];
    for (const op of apiOps().filter((o) => !o.isPublic)) {
      const path = pathFor(op, A);
      const body = validBody(op, A);
      for (const v of variants) {
        const r = await call(op, path, { headers: v.headers, body, timeoutMs: isStream(op) ? 5000 : 15000 });
        check(`${op.method} ${op.path} [${v.name}]`, r, [401], { actor: 'nobody', route: op.path, request: path + JSON.stringify(body ?? ''), codes: v.codes });
      }
    }
    drain('unauthenticated sweep');
  });

  it('refuses the wrong role (403) and never answers another user’s booking, session or payment (404)', async () => {
    for (const op of apiOps().filter((o) => !o.isPublic && !isStream(o))) {
      const allowed = rolesFor(op);
      // Wrong role, on the caller's own objects.
      for (const role of (['student', 'tutor', 'admin'] as Role[]).filter((r) => !allowed.includes(r))) {
        const path = pathFor(op, A);
        const body = validBody(op, A);
        const r = await call(op, path, { token: tokenOf(A, role), body });
        // Sessions are the participants' business: an admin is refused by role (403) or finds nothing (404).
        const expect = role === 'admin' && op.path.startsWith('/api/sessions/') ? [403, 404] : [403];
        check(`${op.method} ${op.path} as ${role}`, r, expect, { actor: role === 'admin' ? 'admin' : A, route: op.path, request: path + JSON.stringify(body ?? '') });
      }
      // Right role, someone else's booking / notification: must look like it does not exist.
      if (!/\{(id|bookingId)\}/.test(op.path) || op.path.startsWith('/api/admin/') || op.path.startsWith('/api/tutors/') || op.path.includes('/devices/')) continue;
      for (const role of allowed.filter((r) => r !== 'admin')) {
        const path = pathFor(op, A, 'other');
        const body = validBody(op, A);
        const r = await call(op, path, { token: tokenOf(A, role), body });
        check(`${op.method} ${op.path} as A's ${role} on B's object`, r, [404], { actor: A, route: op.path, request: path + JSON.stringify(body ?? '') });
      }
    }
    drain('authorisation sweep');
  });

  it('lets nobody read anyone else’s data: every read of every user is free of the other party’s ids, emails and payments', async () => {
    let reads = 0;
    for (const p of [A, B]) {
      for (const role of ['student', 'tutor'] as Role[]) {
        for (const op of apiOps().filter((o) => o.method === 'GET' && !o.isPublic && !isStream(o) && rolesFor(o).includes(role))) {
          for (const which of ['own', 'other'] as const) {
            if (which === 'other' && !/\{/.test(op.path)) continue;
            // Slots need their range (a read without one is a 400 by design).
            const range = op.path.endsWith('/slots') ? `?from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 86400_000).toISOString())}&durationMinutes=60` : '';
            const path = pathFor(op, p, which) + range;
            const r = await call(op, path, { token: tokenOf(p, role) });
            // One's own objects: 200 (a session not started yet may be 404/409); another's: 404, except public tutor profiles.
            const expect = which === 'own' ? [200, 404, 409] : op.path.startsWith('/api/tutors/') ? [200] : [404];
            check(`${op.method} ${path} as ${role} ${p === A ? 'A' : 'B'} (${which})`, r, expect, { actor: p, route: op.path, request: path });
            reads++;
          }
        }
      }
    }
    // A booking list with every filter value, as each party.
    for (const p of [A, B]) {
      for (const status of ['requested', 'accepted', 'confirmed', 'completed', 'cancelled']) {
        const r = await call({ method: 'GET' } as Operation, `/api/bookings?status=${status}&limit=100`, { token: p.student.token });
        check(`GET /api/bookings?status=${status}`, r, [200], { actor: p, route: '/api/bookings', request: '' });
        reads++;
      }
    }
    expect(reads).toBeGreaterThan(20);
    drain('read sweep');
  });

  it('refuses generated invalid payloads, query strings and path parameters (400/422), on every operation', async () => {
    let generated = 0;
    for (const op of apiOps().filter((o) => !isStream(o))) {
      const role = rolesFor(op)[0];
      const token = op.isPublic ? undefined : tokenOf(A, role);
      const actor = role === 'admin' ? 'admin' : A;
      const path = pathFor(op, A);
      // Bodies.
      if (op.body && op.path !== '/api/webhooks/chapa') {
        const base = validBody(op, A) ?? {};
        for (const m of invalidBodies(op.body, base)) {
          const r = await call(op, path, { token, body: m.body });
          const unstorable = UNSTORABLE_TEXT.find(([what]) => m.name.endsWith(` ${what}`));
          check(`${op.method} ${op.path} body: ${m.name}`, r, unstorable ? [400] : [400, 422], { actor, route: op.path, request: path + JSON.stringify(m.body) });
          if (unstorable && r.status === 400) {
            // The problem names the field ("subjects.0" for an item of a list).
            const field = m.name.slice(0, -(unstorable[0].length + 1)).replace(/ an item with$/, '');
            const errors = (r.body as { errors?: Array<{ path?: string }> } | null)?.errors ?? [];
            if (!errors.some((e) => e.path === field || e.path?.startsWith(`${field}.`))) failures.push(`${op.method} ${op.path} body: ${m.name}: the problem does not name ${field} — ${r.text.slice(0, 200)}`);
          }
          generated++;
        }
      }
      // Query strings.
      for (const q of op.query) {
        if (op.path === '/api/payments/chapa/callback') continue;
        const bad = badQueryValues(q.schema);
        for (const [what, v] of bad) {
          const qs = `${path}?${q.name}=${encodeURIComponent(v)}`;
          const r = await call(op, qs, { token });
          check(`${op.method} ${op.path} ?${q.name} ${what}`, r, [400], { actor, route: op.path, request: qs });
          generated++;
        }
      }
      // Every query parameter with a NUL character (400, naming it) and with the UTF-8 bytes of
      // a lone surrogate (which no decoder turns into text; refused or read as U+FFFD, never a 5xx).
      for (const q of op.query) {
        for (const [what, encoded, expect] of [
          ['a NUL character', 'TH-%00x', [400]],
          ['a lone surrogate', 'x%ED%A0%80', [200, 400]],
          ['a lone surrogate (JSON escape)', 'x%5Cud800', [200, 400]],
        ] as Array<[string, string, number[]]>) {
          const qs = `${path}?${q.name}=${encoded}`;
          const r = await call(op, qs, { token });
          check(`${op.method} ${op.path} ?${q.name} with ${what}`, r, expect, { actor, route: op.path, request: qs });
          if (expect.length === 1) {
            const errors = (r.body as { errors?: Array<{ path?: string }> } | null)?.errors ?? [];
            if (r.status === 400 && !errors.some((e) => e.path === `query.${q.name}`)) failures.push(`${op.method} ${op.path} ?${q.name} with ${what}: the problem does not name query.${q.name} — ${r.text.slice(0, 200)}`);
          }
          generated++;
        }
      }
      if (op.method === 'GET' && !op.isPublic && op.query.length) {
        const qs = `${path}?notAParameter=1`;
        const r = await call(op, qs, { token });
        check(`${op.method} ${op.path} unknown query parameter`, r, [200, 400], { actor, route: op.path, request: qs });
      }
      // Path parameters.
      if (op.pathParams.length && !op.path.includes('/devices/')) {
        for (const bad of ['not-a-uuid', "1' OR '1'='1", '..%2F..%2Fetc%2Fpasswd', '%00', 'x'.repeat(3000), '00000000-0000-4000-8000-00000000000g', `${randomUUID()}%20`]) {
          const p = op.path.replace(/\{\w+\}/g, bad);
          const r = await call(op, p, { token, body: validBody(op, A) });
          check(`${op.method} ${op.path} path ${bad.slice(0, 30)}`, r, [400, 404], { actor, route: op.path, request: p });
          generated++;
        }
      }
    }
    expect(generated).toBeGreaterThan(200);
    drain('invalid input sweep');
  });

  it('refuses mass assignment of status, price, role, tutorId, studentId and amountMinor, and nothing changes', async () => {
    for (const op of apiOps().filter((o) => o.body && o.path !== '/api/webhooks/chapa')) {
      const role = rolesFor(op)[0];
      const token = op.isPublic ? undefined : tokenOf(A, role);
      const path = pathFor(op, A);
      const base = validBody(op, A) ?? {};
      for (const [k, v] of Object.entries(MASS_ASSIGNMENT)) {
        if (op.body?.properties && k in op.body.properties) continue;
        const body = { ...base, [k]: v };
        const r = await call(op, path, { token, body });
        check(`${op.method} ${op.path} with ${k}`, r, [400, 422], { actor: role === 'admin' ? 'admin' : A, route: op.path, request: path + JSON.stringify(body) });
      }
      // Prototype pollution through the JSON parser.
      for (const raw of [`{"__proto__":{"role":"admin","isAdmin":true}}`, `{"constructor":{"prototype":{"role":"admin"}}}`]) {
        const merged = JSON.stringify(base).replace(/^\{/, raw.slice(0, -1) + (Object.keys(base).length ? ',' : ''));
        const r = await call(op, path, { token, raw: merged });
        check(`${op.method} ${op.path} with ${raw.slice(2, 15)}`, r, [400, 422], { actor: role === 'admin' ? 'admin' : A, route: op.path, request: path + merged });
      }
    }
    // Registering as an admin is impossible, and a student stays a student.
    const reg = await call({ method: 'POST' } as Operation, '/api/auth/register', {
      body: { email: `mass.${randomUUID().slice(0, 8)}@reliability.test`, password: 'correct horse battery staple', fullName: 'Mallory', role: 'admin' },
    });
    check('register as admin', reg, [400], { actor: 'nobody', route: '/api/auth/register', request: '' });
    const me = await call({ method: 'GET' } as Operation, '/api/me', { token: A.student.token });
    expect((me.body as { role: string }).role).toBe('student');
    // Operations without a body (here: opening the checkout again) refuse one (400
    // validation_failed, ADR 0011), so they never take a price, an amount or a status from it.
    const payAgain = await call({ method: 'POST' } as Operation, `/api/bookings/${A.liveBookingId}/payment`, {
      token: A.student.token,
      body: { amountMinor: 1, price: { amountMinor: 1, currency: 'ETB' }, status: 'succeeded', bookingId: B.liveBookingId },
    });
    check('open the checkout again with a price in the body', payAgain, [400], { actor: A, route: '/api/bookings/{id}/payment', request: '', codes: ['validation_failed'] });
    const payments = await withDb(cluster.db.url, async (c) =>
      (await c.query(`SELECT amount_minor::int AS amount, status FROM payments.payments WHERE booking_id = $1`, [A.liveBookingId])).rows,
    );
    const view = await call({ method: 'GET' } as Operation, `/api/bookings/${A.liveBookingId}`, { token: A.student.token });
    const booking = view.body as { status: string; price: { amountMinor: number } };
    expect(booking.status).toBe('confirmed');
    expect(payments).toEqual([{ amount: booking.price.amountMinor, status: 'succeeded' }]);
    const accepted = await call({ method: 'POST' } as Operation, `/api/bookings/${A.liveBookingId}/accept`, { token: A.tutor.token, body: { status: 'completed' } });
    check('accept with a status in the body', accepted, [400], { actor: A, route: '/api/bookings/{id}/accept', request: '', codes: ['validation_failed'] });
    drain('mass assignment sweep');
  });

  it('refuses oversized, non-JSON and malformed bodies (413/415/400), bodies where none is taken (400) and wrong methods (405 with Allow)', async () => {
    const big = JSON.stringify({ reason: 'x'.repeat(150 * 1024) });
    const huge = `{"reason":"${'y'.repeat(8 * 1024 * 1024)}"}`;
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const op of apiOps().filter((o) => o.method !== 'GET' && !isStream(o))) {
      const role = rolesFor(op)[0];
      const token = op.isPublic ? undefined : tokenOf(A, role);
      const actor = role === 'admin' ? 'admin' : A;
      const path = pathFor(op, A);
      const cases: Array<[string, RequestOptions, number[]]> = [
        ['150 KB JSON', { raw: big }, [413]],
        ['8 MB JSON', { raw: huge }, [413]],
        ['malformed JSON', { raw: '{"reason": "unterminated' }, [400]],
        // Operations without a body refuse any (400), those with one refuse this shape (400/422).
        ['deeply nested JSON', { raw: deep }, op.body ? [400, 422] : [400]],
        ['text/plain', { raw: 'reason=hello', contentType: 'text/plain' }, [415]],
        ['form-encoded', { raw: 'status=completed&role=admin', contentType: 'application/x-www-form-urlencoded' }, [415]],
        ['XML', { raw: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', contentType: 'application/xml' }, [415]],
      ];
      for (const [what, o, expect] of cases) {
        // The Chapa webhook takes raw bytes of any type (it checks a signature over them instead).
        const want = op.path === '/api/webhooks/chapa' && what !== '150 KB JSON' && what !== '8 MB JSON' ? [400, 401] : expect;
        const r = await call(op, path, { token, ...o });
        check(`${op.method} ${op.path} ${what}`, r, want, { actor, route: op.path, request: path });
      }
    }
    for (const op of apiOps()) {
      if (isStream(op)) continue;
      for (const method of ['PATCH', 'DELETE', 'PUT'].filter((m) => !ops.some((o) => o.path === op.path && o.method === m))) {
        const r = await http(cluster.url('gateway'), method, pathFor(op, A), { token: A.student.token, body: {} });
        // A known path asked with a method it does not answer: 405 with Allow (ADR 0011).
        check(`${method} ${op.path}`, r, [405], { actor: A, route: op.path, request: pathFor(op, A), codes: ['method_not_allowed'] });
        if (r.status === 405 && !r.allow) failures.push(`${method} ${op.path}: 405 without an Allow header`);
      }
    }
    drain('body sweep');
  });

  it('refuses the Chapa webhook unsigned, badly signed or replayed with another body, and tolerates junk callbacks', async () => {
    const body = JSON.stringify({ event: 'charge.success', tx_ref: A.txRefs[0], status: 'success', amount: '1', currency: 'ETB' });
    const forged = createHmac('sha256', 'not-the-secret').update(body).digest('hex');
    for (const [what, headers, expect] of [
      ['unsigned', {}, [400, 401]],
      ['forged signature', { 'x-chapa-signature': forged, 'chapa-signature': forged }, [401]],
      ['signature of another body', { 'x-chapa-signature': createHmac('sha256', 'x').update('{}').digest('hex') }, [401]],
      ['garbage signature', { 'x-chapa-signature': 'z'.repeat(5000) }, [400, 401]],
    ] as Array<[string, Record<string, string>, number[]]>) {
      const r = await http(cluster.url('gateway'), 'POST', '/api/webhooks/chapa', { raw: body, headers });
      check(`webhook ${what}`, r, expect, { actor: 'nobody', route: '/api/webhooks/chapa', request: body });
    }
    // Unstorable text in the event itself (escaped in JSON, or a raw NUL byte), signed or not.
    for (const [what, raw] of [
      ['a NUL escape', JSON.stringify({ event: 'charge.success', tx_ref: 'TH-\u0000x', status: 'success' })],
      ['a lone surrogate', JSON.stringify({ event: 'charge.success', tx_ref: 'TH-\uD800', status: 'success' })],
      ['a raw NUL byte', `{"event":"charge.success","tx_ref":"TH-${String.fromCharCode(0)}x"}`],
    ]) {
      for (const headers of [{} as Record<string, string>, { 'x-chapa-signature': createHmac('sha256', 'not-the-secret').update(raw).digest('hex') }]) {
        const r = await http(cluster.url('gateway'), 'POST', '/api/webhooks/chapa', { raw, headers });
        check(`webhook with ${what}`, r, [400, 401], { actor: 'nobody', route: '/api/webhooks/chapa', request: raw });
      }
    }
    for (const q of [
      `tx_ref=${randomUUID()}&status=success`,
      'tx_ref=' + encodeURIComponent("' OR 1=1 --"),
      'tx_ref=' + 'x'.repeat(3000),
      '',
      'tx_ref=TH-%00x',
      'trx_ref=TH-%00x&status=success',
      'tx_ref=TH-x&status=%00',
      'tx_ref=TH-%ED%A0%80',
    ]) {
      const r = await http(cluster.url('gateway'), 'GET', `/api/payments/chapa/callback?${q}`, {});
      // A callback for nothing known is answered without effect (2xx/3xx) or refused; never 5xx, never a leak.
      check(`callback ${q.slice(0, 40)}`, r, [200, 204, 302, 303, 400, 404], { actor: 'nobody', route: '/api/payments/chapa/callback', request: q });
    }
    drain('webhook sweep');
  });

  it('keeps an Idempotency-Key to the user who sent it: B replaying A’s key gets B’s own answer, never A’s', async () => {
    const key = randomUUID();
    const first = await http(cluster.url('gateway'), 'POST', `/api/bookings/${A.liveBookingId}/payment`, { token: A.student.token, headers: { 'idempotency-key': key } });
    expect([200, 201]).toContain(first.status);
    const replay = await http(cluster.url('gateway'), 'POST', `/api/bookings/${A.liveBookingId}/payment`, { token: B.student.token, headers: { 'idempotency-key': key } });
    check('B replays A’s key on A’s booking', replay, [404], { actor: B, route: '/api/bookings/{id}/payment', request: `/api/bookings/${A.liveBookingId}/payment` });
    const long = await http(cluster.url('gateway'), 'POST', `/api/bookings/${A.liveBookingId}/payment`, { token: A.student.token, headers: { 'idempotency-key': 'k'.repeat(5000) } });
    check('a 5000-character Idempotency-Key', long, [200, 201, 400, 422], { actor: A, route: '/api/bookings/{id}/payment', request: '' });
    // A valid signature for an unknown user (what a leaked secret would allow) still reveals nobody.
    const ghost = await validToken(randomUUID(), 'student');
    for (const p of ['/api/me', '/api/bookings', `/api/bookings/${A.liveBookingId}`, '/api/notifications']) {
      const r = await http(cluster.url('gateway'), 'GET', p, { token: ghost });
      check(`unknown user ${p}`, r, [200, 401, 404], { actor: 'nobody', route: p, request: p });
      if (r.status === 200) expect(JSON.stringify(r.body)).not.toMatch(/@reliability\.test/);
    }
    drain('idempotency sweep');
  });

  it('leaves the money and every effect consistent after the sweep', async () => {
    await assertExactlyOnce(cluster.db.url);
    const money = await assertMoneyInvariants(cluster.db.url);
    const sweeps = ['unauthenticated sweep', 'authorisation sweep', 'read sweep', 'invalid input sweep', 'mass assignment sweep', 'body sweep', 'webhook sweep', 'idempotency sweep'];
    expect(clean).toEqual(sweeps);
    record('hostile-http', { sweeps: clean, operations: ops.length, committedOnly: ops.filter((o) => o.source === 'committed').length, servedOnly: ops.filter((o) => o.source === 'served').length, requests: sent, money });
  });
});

function badQueryValues(s: Schema): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  if (t === 'integer' || t === 'number') {
    out.push(['not a number', 'abc'], ['negative', '-1'], ['a float', '1.5'], ['huge', '99999999999999999999']);
    if (s.maximum !== undefined) out.push(['above the maximum', String(s.maximum + 1)]);
    if (s.minimum !== undefined) out.push(['below the minimum', String(s.minimum - 1)]);
  }
  if (s.enum) out.push(['not in the enum', 'ADMIN']);
  if (t === 'string' && s.maxLength !== undefined) out.push(['too long', 'q'.repeat(s.maxLength + 1)]);
  if (t === 'string' && (s.minLength ?? 0) > 0) out.push(['empty', '']);
  return out;
}
