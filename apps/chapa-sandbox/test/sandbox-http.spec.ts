import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { createChapaSandboxApp } from '../src/create-app';
import { OutboundNotifier } from '../src/notify/outbound-notifier';

// The sandbox's wire format, checked with plain fetch and hand-computed HMACs — nothing
// from the client under test — so the two cannot agree on a mistake.

const KEY = 'CHASECK_TEST-http-spec';
const WEBHOOK_SECRET = 'http-spec-webhook-secret';
const auth = { Authorization: `Bearer ${KEY}` };
const json = { ...auth, 'Content-Type': 'application/json' };

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

let hook: Server;
const hits: Hit[] = [];
let waiting: { match: (h: Hit) => boolean; resolve: (h: Hit) => void }[] = [];
let app: INestApplication;
let base: string;
let n = 0;
const ref = (p: string) => `${p}-${process.pid}-${++n}`;

function nextHit(match: (h: Hit) => boolean): Promise<Hit> {
  const seen = hits.find(match);
  return seen ? Promise.resolve(seen) : new Promise((resolve) => waiting.push({ match, resolve }));
}

beforeAll(async () => {
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) };
      hits.push(hit);
      res.writeHead(200).end();
      waiting = waiting.filter((w) => (w.match(hit) ? (w.resolve(hit), false) : true));
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const hookBase = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
  app = await createChapaSandboxApp(
    { port: 0, secretKey: KEY, webhookSecret: WEBHOOK_SECRET, webhookUrl: `${hookBase}/hook`, publicBaseUrl: 'http://sandbox.test' },
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  hook.closeAllConnections();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

async function initialize(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${base}/v1/transaction/initialize`, { method: 'POST', headers: json, body: JSON.stringify(body) });
}

describe('transactions', () => {
  it('uses the configured public base for checkout URLs', async () => {
    const txRef = ref('t');
    const res = await initialize({ amount: '12.5', currency: 'etb', tx_ref: txRef });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'Hosted Link', status: 'success', data: { checkout_url: `http://sandbox.test/checkout/${txRef}` } });
  });

  it('answers verify with exactly Chapa’s data fields once paid', async () => {
    const txRef = ref('t');
    await initialize({
      amount: 100,
      currency: 'USD',
      tx_ref: txRef,
      first_name: 'Bilen',
      last_name: 'Gizachew',
      email: 'bilen@example.com',
      customization: { title: 'tutorhub', description: 'Lesson 42' },
      meta: { booking: 'b-42' },
    });
    const unpaid = await fetch(`${base}/v1/transaction/verify/${txRef}`, { headers: auth });
    expect(unpaid.status).toBe(404);
    expect(await unpaid.json()).toEqual({ message: 'Payment not paid yet', status: 'null', data: null });

    await fetch(`${base}/checkout/${txRef}/pay`, { method: 'POST', redirect: 'manual' });
    const res = await fetch(`${base}/v1/transaction/verify/${txRef}`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message: string; status: string; data: Record<string, unknown> };
    expect(body.status).toBe('success');
    expect(Object.keys(body.data).sort()).toEqual(
      [
        'first_name', 'last_name', 'email', 'currency', 'amount', 'charge', 'mode', 'method', 'type',
        'status', 'reference', 'tx_ref', 'customization', 'meta', 'created_at', 'updated_at',
      ].sort(),
    );
    expect(body.data).toMatchObject({
      first_name: 'Bilen',
      currency: 'USD',
      amount: 100,
      charge: 3.5,
      mode: 'test',
      type: 'API',
      status: 'success',
      tx_ref: txRef,
      customization: { title: 'tutorhub', description: 'Lesson 42', logo: null },
      meta: { booking: 'b-42' },
    });
    expect(body.data['created_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('answers an unknown tx_ref with Chapa’s not-found envelope', async () => {
    const res = await fetch(`${base}/v1/transaction/verify/unknown-ref`, { headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Invalid transaction or Transaction not found', status: 'failed', data: null });
  });

  it('keeps Chapa’s envelope for malformed JSON and unknown /v1 routes', async () => {
    const bad = await fetch(`${base}/v1/transaction/initialize`, { method: 'POST', headers: json, body: '{oops' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'failed', data: null });
    const missing = await fetch(`${base}/v1/nothing-here`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 'failed', data: null });
  });

  it('enforces Chapa’s customization and phone rules', async () => {
    const res = await initialize({
      amount: '1',
      currency: 'ETB',
      tx_ref: ref('t'),
      phone_number: '+251911',
      customization: { description: 'Lesson #42 (math)' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: Record<string, string[]> };
    expect(Object.keys(body.message).sort()).toEqual(['customization.description', 'phone_number']);
  });
});

describe('checkout and webhooks', () => {
  it('signs the webhook like Chapa: x-chapa-signature over the raw bytes, Chapa-Signature the constant', async () => {
    const txRef = ref('t');
    await initialize({ amount: '400', currency: 'ETB', tx_ref: txRef, phone_number: '0911000000' });
    const res = await fetch(`${base}/checkout/${txRef}/pay`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(200);
    const hit = await nextHit((h) => h.raw.includes(txRef));
    expect(hit.path).toBe('/hook');
    expect(hit.headers['content-type']).toMatch(/application\/json/);
    expect(hit.headers['x-chapa-signature']).toBe(createHmac('sha256', WEBHOOK_SECRET).update(hit.raw).digest('hex'));
    expect(hit.headers['chapa-signature']).toBe(createHmac('sha256', WEBHOOK_SECRET).update(WEBHOOK_SECRET).digest('hex'));
    const body = JSON.parse(hit.raw.toString()) as Record<string, unknown>;
    expect(body).toMatchObject({
      event: 'charge.success',
      status: 'success',
      tx_ref: txRef,
      amount: '400.00',
      charge: '14.00',
      currency: 'ETB',
      mobile: '0911000000',
      mode: 'test',
      type: 'API',
    });
    expect(typeof body['reference']).toBe('string');
  });

  it('escapes everything it prints on the checkout page', async () => {
    const txRef = ref('t');
    await initialize({ amount: '5', currency: 'ETB', tx_ref: txRef, first_name: '<script>alert(1)</script>', email: 'a"b@x.io' });
    const html = await (await fetch(`${base}/checkout/${txRef}`)).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('a&quot;b@x.io');
  });

  it('answers 404 pages for unknown checkouts', async () => {
    expect((await fetch(`${base}/checkout/nope`)).status).toBe(404);
    expect((await fetch(`${base}/checkout/nope/pay`, { method: 'POST', redirect: 'manual' })).status).toBe(404);
  });

  it('shows a settled transaction without buttons', async () => {
    const txRef = ref('t');
    await initialize({ amount: '5', currency: 'ETB', tx_ref: txRef });
    await fetch(`${base}/checkout/${txRef}/fail`, { method: 'POST', redirect: 'manual' });
    const html = await (await fetch(`${base}/checkout/${txRef}`)).text();
    expect(html).toContain('This payment did not go through.');
    expect(html).not.toContain('/pay"');
    const paid = ref('t');
    await initialize({ amount: '5', currency: 'ETB', tx_ref: paid });
    await fetch(`${base}/checkout/${paid}/pay`, { method: 'POST', redirect: 'manual' });
    const paidHtml = await (await fetch(`${base}/checkout/${paid}`)).text();
    expect(paidHtml).toContain('This payment has been made.');
    expect(paidHtml).not.toMatch(/is success/);
  });

  it('lists its latest transactions on its front page, newest first, each linking to its checkout', async () => {
    const older = ref('t');
    await initialize({ amount: '7', currency: 'ETB', tx_ref: older });
    const newer = ref('t');
    await initialize({ amount: '8', currency: 'USD', tx_ref: newer });
    await fetch(`${base}/checkout/${newer}/pay`, { method: 'POST', redirect: 'manual' });
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<h1>Chapa sandbox</h1>');
    expect(html).toContain(`<a href="/checkout/${newer}">${newer}</a>`);
    expect(html).toContain(`<a href="/checkout/${older}">${older}</a>`);
    expect(html).toMatch(new RegExp(`${newer}[\\s\\S]*data-status="success">paid[\\s\\S]*${older}[\\s\\S]*data-status="pending">waiting`));
  });
});

describe('refunds over form-encoded bodies', () => {
  it('takes reason, amount, reference and meta[...] like Chapa’s documented request', async () => {
    const txRef = ref('t');
    await initialize({ amount: '100', currency: 'ETB', tx_ref: txRef });
    await fetch(`${base}/checkout/${txRef}/pay`, { method: 'POST', redirect: 'manual' });
    const reference = ref('r');
    const res = await fetch(`${base}/v1/refund/${txRef}`, {
      method: 'POST',
      headers: auth,
      body: new URLSearchParams({ reason: 'accidental purchase', amount: '10', reference, 'meta[customer_id]': '123' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message: string; status: string; data: Record<string, unknown> };
    expect(body).toMatchObject({
      message: 'Refund initiated successfully',
      status: 'success',
      data: { status: 'Refund Initiated', amount: '10.00', currency: 'ETB', tx_ref: txRef, merchant_reference: reference, meta: { customer_id: '123' } },
    });
    const verify = await fetch(`${base}/v1/refund/${String(body.data['ref_id'])}/verify`, { headers: auth });
    expect(await verify.json()).toMatchObject({ status: 'success', data: { status: 'refunded', amount: '10.00' } });
    const unknown = await fetch(`${base}/v1/refund/nope/verify`, { headers: auth });
    expect(unknown.status).toBe(404);
  });

  it('refunds less than asked once scripted to keep part of each refund, and says so', async () => {
    const txRef = ref('keep');
    await fetch(`${base}/v1/transaction/initialize`, { method: 'POST', headers: json, body: JSON.stringify({ amount: '100', currency: 'ETB', tx_ref: txRef }) });
    await fetch(`${base}/checkout/${txRef}/pay`, { method: 'POST', redirect: 'manual' });
    const keep = await fetch(`${base}/sandbox/transactions/${txRef}/refund-keep`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"keep":"3.50"}' });
    expect(keep.status).toBe(200);
    const refund = (await (
      await fetch(`${base}/v1/refund/${txRef}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'reason=test' })
    ).json()) as { data: { ref_id: string; amount: string } };
    expect(refund.data.amount).toBe('96.50');
    const verify = (await (await fetch(`${base}/v1/refund/${refund.data.ref_id}/verify`, { headers: auth })).json()) as { data: Record<string, unknown> };
    expect(verify.data).toMatchObject({ amount: '96.50', status: 'refunded', tx_ref: txRef });
    const bad = await fetch(`${base}/sandbox/transactions/${txRef}/refund-keep`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(400);
  });

  it('refuses to refund an unpaid transaction', async () => {
    const txRef = ref('t');
    await initialize({ amount: '100', currency: 'ETB', tx_ref: txRef });
    const res = await fetch(`${base}/v1/refund/${txRef}`, { method: 'POST', headers: auth, body: new URLSearchParams({ reason: 'x' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'failed', data: null });
  });
});

describe('transfers on the wire', () => {
  it('queues with Chapa’s message, returns its reference as data, and reports Chapa’s verify fields', async () => {
    const reference = ref('p');
    const res = await fetch(`${base}/v1/transfers`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ account_name: 'Almaz', account_number: '0911223344', amount: '250', currency: 'ETB', reference, bank_code: 855 }),
    });
    expect(res.status).toBe(200);
    const queued = (await res.json()) as { message: string; status: string; data: string };
    expect(queued).toMatchObject({ message: 'Transfer Queued Successfully in Test Mode', status: 'success' });
    expect(typeof queued.data).toBe('string');

    const verify = (await (await fetch(`${base}/v1/transfers/verify/${reference}`, { headers: auth })).json()) as { data: Record<string, unknown> };
    expect(verify.data).toMatchObject({
      account_name: 'Almaz',
      account_number: '0911223344',
      amount: '250.00',
      currency: 'ETB',
      status: 'success',
      bank_code: 855,
      bank_name: 'telebirr',
      chapa_transfer_id: queued.data,
      tx_ref: reference,
    });

    const webhook = await nextHit((h) => h.raw.includes(reference));
    expect(JSON.parse(webhook.raw.toString())).toMatchObject({ event: 'transfer.success', type: 'Payout', reference, bank_id: 855, status: 'success' });
  });

  const transfer = (reference: string, account_number: string) =>
    fetch(`${base}/v1/transfers`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ account_name: 'Almaz', account_number, amount: '100', currency: 'ETB', reference, bank_code: 946 }),
    });

  it('scripts a bank reversal: verify says reversed and a transfer.reversed webhook follows', async () => {
    const reference = ref('rev');
    expect((await transfer(reference, '1000123456')).status).toBe(200);
    await nextHit((h) => h.raw.includes(reference) && h.raw.includes('transfer.success'));
    const reversed = await fetch(`${base}/sandbox/transfers/${reference}/reverse`, { method: 'POST' });
    expect(reversed.status).toBe(200);
    const verify = (await (await fetch(`${base}/v1/transfers/verify/${reference}`, { headers: auth })).json()) as { data: Record<string, unknown> };
    expect(verify.data).toMatchObject({ status: 'reversed', reference });
    const webhook = await nextHit((h) => h.raw.includes(reference) && h.raw.includes('transfer.reversed'));
    expect(JSON.parse(webhook.raw.toString())).toMatchObject({ event: 'transfer.reversed', type: 'Payout', reference, status: 'reversed' });
    expect((await fetch(`${base}/sandbox/transfers/${ref('none')}/reverse`, { method: 'POST' })).status).toBe(404);
  });

  it('simulates a lost answer (0001…), a lost request (0002…) and a verify outage (0003…)', async () => {
    const lostAnswer = ref('la');
    expect((await transfer(lostAnswer, '0001999999')).status).toBe(504);
    const retry = await transfer(lostAnswer, '0001999999');
    expect(retry.status).toBe(400);
    expect(await retry.json()).toMatchObject({ status: 'failed', message: expect.stringMatching(/Insufficient balance/) });
    expect(((await (await fetch(`${base}/v1/transfers/verify/${lostAnswer}`, { headers: auth })).json()) as { data: { status: string } }).data.status).toBe('success');

    const lostRequest = ref('lr');
    expect((await transfer(lostRequest, '0002999999')).status).toBe(504);
    expect((await transfer(lostRequest, '0002999999')).status).toBe(400);
    expect((await fetch(`${base}/v1/transfers/verify/${lostRequest}`, { headers: auth })).status).toBe(404);

    const verifyDown = ref('vd');
    expect((await transfer(verifyDown, '0003999999')).status).toBe(504);
    expect((await fetch(`${base}/v1/transfers/verify/${verifyDown}`, { headers: auth })).status).toBe(503);
  });

  it('requires every documented field', async () => {
    const res = await fetch(`${base}/v1/transfers`, { method: 'POST', headers: json, body: '{}' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: Record<string, string[]> };
    expect(Object.keys(body.message).sort()).toEqual(['account_name', 'account_number', 'amount', 'bank_code', 'currency']);
  });
});

describe('outbound delivery lifecycle', () => {
  it('gives up after its retries when the webhook URL never answers, without breaking the payment', async () => {
    const unreachable = createServer();
    await new Promise<void>((resolve) => unreachable.listen(0, '127.0.0.1', resolve));
    const port = (unreachable.address() as AddressInfo).port;
    await new Promise<void>((resolve) => unreachable.close(() => resolve()));

    const lonely = await createChapaSandboxApp(
      { port: 0, secretKey: KEY, webhookSecret: WEBHOOK_SECRET, webhookUrl: `http://127.0.0.1:${port}/hook`, publicBaseUrl: null, webhookRetryDelaysMs: [1, 1] },
      { logger: false },
    );
    await lonely.listen(0, '127.0.0.1');
    try {
      const at = `http://127.0.0.1:${(lonely.getHttpServer().address() as AddressInfo).port}`;
      const txRef = ref('t');
      await fetch(`${at}/v1/transaction/initialize`, { method: 'POST', headers: json, body: JSON.stringify({ amount: 1, currency: 'ETB', tx_ref: txRef }) });
      const paid = await fetch(`${at}/checkout/${txRef}/pay`, { method: 'POST', redirect: 'manual' });
      expect(paid.status).toBe(200);
      const verify = await fetch(`${at}/v1/transaction/verify/${txRef}`, { headers: auth });
      expect(verify.status).toBe(200);

      const notifier = lonely.get(OutboundNotifier);
      const record = notifier.deliveries().find((d) => d.event === 'charge.success')!;
      // First attempt, then one per retry delay.
      await new Promise<void>((resolve) => {
        const poll = () => (record.attempts >= 3 ? resolve() : setImmediate(poll));
        poll();
      });
      expect(record).toMatchObject({ delivered: false, attempts: 3 });
    } finally {
      await lonely.close();
    }
  });
});
