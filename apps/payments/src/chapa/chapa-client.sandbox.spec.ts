// The sandbox app is this client's test double and the contract between the two is exactly
// what this file checks, so it is the one place where an app reaches into another. Only
// this test file; production code of payments never imports the sandbox.
/* eslint @nx/enforce-module-boundaries: "off" */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { createChapaSandboxApp } from '../../../chapa-sandbox/src/create-app';
import { ChapaClient } from './chapa.client';
import { ChapaError } from './chapa-error';
import { parseChapaWebhook, verifyChapaSignature } from './chapa-webhook';

// Drives the real client against the real sandbox over loopback HTTP, with a small local
// server standing in for tutorhub's webhook and callback endpoints.

const SECRET_KEY = 'CHASECK_TEST-contract-spec';
const WEBHOOK_SECRET = 'contract-spec-webhook-secret';

interface Received {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

class Receiver {
  readonly requests: Received[] = [];
  /** tx_refs whose first webhook delivery is answered 500 (to exercise re-delivery). */
  readonly failFirstFor = new Set<string>();
  private waiters: { match: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: Received = {
          method: req.method ?? '',
          url: new URL(req.url ?? '/', this.base),
          headers: req.headers,
          raw: Buffer.concat(chunks),
        };
        const txRef = received.url.pathname === '/webhooks/chapa' ? bodyOf(received)['tx_ref'] : undefined;
        if (typeof txRef === 'string' && this.failFirstFor.delete(txRef)) {
          received.headers['x-test-answered'] = '500';
          this.requests.push(received);
          res.writeHead(500).end('try again');
          return;
        }
        this.requests.push(received);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
        this.waiters = this.waiters.filter((w) => {
          if (!w.match(received)) return true;
          w.resolve(received);
          return false;
        });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves with the first accepted (200) request matching, already received or future. */
  next(match: (r: Received) => boolean): Promise<Received> {
    const seen = this.requests.find((r) => r.headers['x-test-answered'] === undefined && match(r));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  webhooksFor(key: string, value: string): Received[] {
    return this.requests.filter((r) => r.url.pathname === '/webhooks/chapa' && bodyOf(r)[key] === value);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function bodyOf(r: Received): Record<string, unknown> {
  return JSON.parse(r.raw.toString('utf8')) as Record<string, unknown>;
}

const isWebhook = (key: string, value: string) => (r: Received) => r.url.pathname === '/webhooks/chapa' && bodyOf(r)[key] === value;

let receiver: Receiver;
let app: INestApplication;
let baseUrl: string;
let client: ChapaClient;
let seq = 0;
const ref = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
  app = await createChapaSandboxApp(
    {
      port: 0,
      secretKey: SECRET_KEY,
      webhookSecret: WEBHOOK_SECRET,
      webhookUrl: `${receiver.base}/webhooks/chapa`,
      publicBaseUrl: null,
      webhookRetryDelaysMs: [10, 20, 40],
    },
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  client = new ChapaClient({ baseUrl, secretKey: SECRET_KEY, retries: 1, retryBaseDelayMs: 5 });
});

afterAll(async () => {
  await app.close();
  await receiver.stop();
});

async function expectChapaError(promise: Promise<unknown>): Promise<ChapaError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChapaError);
  return err as ChapaError;
}

describe('payment: initialize → checkout → pay → verify → refunds', () => {
  const txRef = ref('tx');
  let checkoutUrl = '';

  it('initializes and hands out a checkout URL on the sandbox', async () => {
    const result = await client.initialize({
      txRef,
      amountMinor: 150050,
      currency: 'ETB',
      email: 'student@example.com',
      firstName: 'Abebe',
      lastName: 'Bikila',
      phoneNumber: '0912345678',
      callbackUrl: `${receiver.base}/callback?source=spec`,
      returnUrl: 'https://app.tutorhub.test/bookings/42/paid',
      customization: { title: 'tutorhub', description: 'Lesson with Almaz - 60 min' },
      meta: { bookingId: '42' },
    });
    checkoutUrl = result.checkoutUrl;
    expect(checkoutUrl).toBe(`${baseUrl}/checkout/${txRef}`);
  });

  it('serves a real checkout page with amount, merchant text and Pay/Cancel forms', async () => {
    const res = await fetch(checkoutUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('1,500.50 ETB');
    expect(html).toContain('tutorhub');
    expect(html).toContain('Lesson with Almaz - 60 min');
    expect(html).toContain(`<form method="post" action="/checkout/${txRef}/pay">`);
    expect(html).toContain(`<form method="post" action="/checkout/${txRef}/fail">`);
    expect(html).toMatch(/>Pay [^<]*</);
    expect(html).toContain('>Cancel<');
  });

  it('reports an unpaid transaction as not_paid', async () => {
    const result = await client.verify(txRef);
    expect(result).toMatchObject({ kind: 'not_paid', status: null, txRef });
  });

  it('pays: signed webhook, callback, then a 303 to return_url', async () => {
    const res = await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://app.tutorhub.test/bookings/42/paid');

    const webhook = await receiver.next(isWebhook('tx_ref', txRef));
    expect(webhook.method).toBe('POST');
    expect(verifyChapaSignature(webhook.raw, webhook.headers, WEBHOOK_SECRET)).toBe(true);
    expect(verifyChapaSignature(webhook.raw, webhook.headers, 'some-other-secret')).toBe(false);
    const event = parseChapaWebhook(bodyOf(webhook));
    expect(event).toMatchObject({ kind: 'payment', outcome: 'success', txRef, amount: '1500.50', currency: 'ETB' });

    const callback = await receiver.next((r) => r.url.pathname === '/callback' && r.url.searchParams.get('trx_ref') === txRef);
    expect(callback.method).toBe('GET');
    expect(callback.url.searchParams.get('status')).toBe('success');
    expect(callback.url.searchParams.get('ref_id')).toBe(event.reference);
    expect(callback.url.searchParams.get('source')).toBe('spec');
  });

  it('verifies as paid with the exact minor amount', async () => {
    const result = await client.verify(txRef);
    expect(result).toMatchObject({ kind: 'paid', status: 'success', txRef, amountMinor: 150050, currency: 'ETB', mode: 'test' });
    if (result.kind !== 'paid') throw new Error('unreachable');
    expect(result.reference).toMatch(/^AP/);
    expect(result.chargeMinor).toBe(5252); // 3.5 % of 1500.50, half up
    const webhook = await receiver.next(isWebhook('tx_ref', txRef));
    expect(result.reference).toBe(bodyOf(webhook)['reference']);
  });

  it('paying again answers the same redirect and sends no second webhook; failing a paid one is refused', async () => {
    const again = await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('https://app.tutorhub.test/bookings/42/paid');
    // The first webhook attempt is awaited before the sandbox answers, so one would be here.
    expect(receiver.webhooksFor('tx_ref', txRef)).toHaveLength(1);

    const conflicting = await fetch(`${checkoutUrl}/fail`, { method: 'POST', redirect: 'manual' });
    expect(conflicting.status).toBe(409);
  });

  it('refunds partially, refuses more than what is left, then refunds the rest', async () => {
    const first = await client.refund(txRef, { amountMinor: 50000, currency: 'ETB', reason: 'tutor late', reference: ref('rf') });
    expect(first.status).toBe('Refund Initiated');
    expect(first.amountMinor).toBe(50000);
    expect(first.refId).toBeDefined();
    const status = await client.verifyRefund(first.refId!);
    expect(status).toMatchObject({ state: 'succeeded', amountMinor: 50000, currency: 'ETB', txRef, reference: first.reference });

    const tooMuch = await expectChapaError(
      client.refund(txRef, { amountMinor: 100051, currency: 'ETB', reason: 'x', reference: ref('rf') }),
    );
    expect(tooMuch.code).toBe('rejected');
    expect(tooMuch.httpStatus).toBe(400);
    expect(tooMuch.isBusinessRefusal).toBe(true);

    const duplicate = await expectChapaError(
      client.refund(txRef, { amountMinor: 100, currency: 'ETB', reason: 'x', reference: first.reference }),
    );
    expect(duplicate.code).toBe('duplicate_reference');
    expect(duplicate.afterRetry).toBe(false);

    const rest = await client.refund(txRef, { currency: 'ETB', reason: 'session cancelled', reference: ref('rf') });
    expect(rest.amountMinor).toBe(100050);
    expect((await client.verifyRefund(rest.reference)).amountMinor).toBe(100050);

    const none = await expectChapaError(client.refund(txRef, { currency: 'ETB', reason: 'again', reference: ref('rf') }));
    expect(none.code).toBe('rejected');
    expect(none.chapaMessage).toMatch(/fully refunded/);

    expect(await client.verify(txRef)).toMatchObject({ kind: 'not_paid', status: 'refunded' });
    const refunded = await receiver.next((r) => isWebhook('tx_ref', txRef)(r) && bodyOf(r)['event'] === 'charge.refunded');
    expect(verifyChapaSignature(refunded.raw, refunded.headers, WEBHOOK_SECRET)).toBe(true);
    expect(parseChapaWebhook(bodyOf(refunded))).toMatchObject({ kind: 'refund', outcome: 'success', txRef });
  });
});

describe('payment cancelled on the checkout page', () => {
  it('settles failed, sends charge.failed, and verify says not_paid/failed', async () => {
    const txRef = ref('tx');
    const { checkoutUrl } = await client.initialize({ txRef, amountMinor: 2000, currency: 'USD' });
    const res = await fetch(`${checkoutUrl}/fail`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(200); // no return_url: a small result page
    expect(await res.text()).toContain('Payment failed');

    const webhook = await receiver.next(isWebhook('tx_ref', txRef));
    expect(verifyChapaSignature(webhook.raw, webhook.headers, WEBHOOK_SECRET)).toBe(true);
    expect(parseChapaWebhook(bodyOf(webhook))).toMatchObject({ kind: 'payment', outcome: 'failed', txRef });
    expect(await client.verify(txRef)).toMatchObject({ kind: 'not_paid', status: 'failed' });
    expect(await expectChapaError(client.refund(txRef, { currency: 'USD', reason: 'x', reference: ref('rf') }))).toMatchObject({
      code: 'rejected',
    });
  });
});

describe('webhook re-delivery', () => {
  it('re-sends the identical signed body after a failed delivery', async () => {
    const txRef = ref('tx');
    receiver.failFirstFor.add(txRef);
    const { checkoutUrl } = await client.initialize({ txRef, amountMinor: 1000, currency: 'ETB' });
    const res = await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(200); // the failed delivery did not break the answer

    const delivered = await receiver.next(isWebhook('tx_ref', txRef));
    const attempts = receiver.webhooksFor('tx_ref', txRef);
    expect(attempts).toHaveLength(2);
    expect(attempts[0].headers['x-test-answered']).toBe('500');
    expect(attempts[0].raw.equals(delivered.raw)).toBe(true);
    expect(attempts[0].headers['x-chapa-signature']).toBe(delivered.headers['x-chapa-signature']);
    expect(verifyChapaSignature(delivered.raw, delivered.headers, WEBHOOK_SECRET)).toBe(true);
  });
});

describe('transfers', () => {
  it('lists banks', async () => {
    const banks = await client.banks();
    expect(banks.length).toBeGreaterThanOrEqual(4);
    expect(banks.find((b) => b.id === 946)).toMatchObject({ name: 'Commercial Bank of Ethiopia (CBE)', swift: 'CBETETAA', isRtgs: true });
    expect(banks.find((b) => b.id === 855)).toMatchObject({ name: 'telebirr', isMobileMoney: true });
  });

  it('pays out to a normal account and reports success', async () => {
    const reference = ref('po');
    const result = await client.transfer({
      accountName: 'Almaz Tesfaye',
      accountNumber: '1000123456789',
      amountMinor: 1275000,
      currency: 'ETB',
      reference,
      bankCode: 946,
    });
    expect(result.reference).toBe(reference);
    expect(result.chapaReference).toBeDefined();
    expect(await client.verifyTransfer(reference)).toMatchObject({
      reference,
      status: 'success',
      state: 'succeeded',
      amountMinor: 1275000,
      currency: 'ETB',
      accountNumber: '1000123456789',
      chapaReference: result.chapaReference,
    });
    const webhook = await receiver.next(isWebhook('reference', reference));
    expect(verifyChapaSignature(webhook.raw, webhook.headers, WEBHOOK_SECRET)).toBe(true);
    expect(parseChapaWebhook(bodyOf(webhook))).toMatchObject({ kind: 'payout', outcome: 'success', reference, event: 'transfer.success' });
  });

  it('fails a payout to an account starting with 0000', async () => {
    const reference = ref('po');
    await client.transfer({ accountName: 'X', accountNumber: '0000999', amountMinor: 100, currency: 'ETB', reference, bankCode: '855' });
    expect(await client.verifyTransfer(reference)).toMatchObject({ status: 'failed', state: 'failed' });
    const webhook = await receiver.next(isWebhook('reference', reference));
    expect(parseChapaWebhook(bodyOf(webhook))).toMatchObject({ kind: 'payout', outcome: 'failed', reference });
  });

  it('refuses a reused reference, an unknown bank and a non-ETB payout; unknown references are not_found', async () => {
    const reference = ref('po');
    const base = { accountName: 'A', accountNumber: '123', amountMinor: 100, currency: 'ETB' as const, bankCode: 946 };
    await client.transfer({ ...base, reference });
    expect(await expectChapaError(client.transfer({ ...base, reference }))).toMatchObject({
      code: 'duplicate_reference',
      httpStatus: 400,
      chapaMessage: 'The reference number has been used before',
    });
    expect(await expectChapaError(client.transfer({ ...base, reference: ref('po'), bankCode: 1 }))).toMatchObject({
      httpStatus: 400,
    });
    expect(await expectChapaError(client.transfer({ ...base, reference: ref('po'), currency: 'USD' }))).toMatchObject({
      code: 'validation',
    });
    expect(await expectChapaError(client.verifyTransfer('no-such-transfer'))).toMatchObject({ code: 'not_found', httpStatus: 404 });
  });
});

describe('refusals', () => {
  it('answers 401 in Chapa style for a wrong or missing bearer key', async () => {
    const wrong = new ChapaClient({ baseUrl, secretKey: 'CHASECK_TEST-wrong', retries: 0 });
    const err = await expectChapaError(wrong.banks());
    expect(err).toMatchObject({ code: 'unauthorized', httpStatus: 401, chapaMessage: "Invalid API Key or User doesn't exist" });
    expect(err.retryable).toBe(false);

    const missing = await fetch(`${baseUrl}/v1/transaction/verify/whatever`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ message: 'Authorization required', status: 'failed', data: null });
  });

  it('refuses a reused tx_ref like Chapa', async () => {
    const txRef = ref('tx');
    await client.initialize({ txRef, amountMinor: 100, currency: 'ETB' });
    const err = await expectChapaError(client.initialize({ txRef, amountMinor: 100, currency: 'ETB' }));
    expect(err).toMatchObject({ code: 'duplicate_reference', httpStatus: 400, afterRetry: false });
    expect(err.body).toEqual({ message: 'Transaction reference has been used before', status: 'failed', data: null });
  });

  it('reports an unknown tx_ref as not_found', async () => {
    expect(await client.verify('never-initialized')).toMatchObject({ kind: 'not_found', txRef: 'never-initialized' });
  });

  it('validates initialize fields with Laravel-style errors, for JSON and form bodies', async () => {
    const res = await fetch(`${baseUrl}/v1/transaction/initialize`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount: '10.123', currency: 'ETB', customization: { title: 'a title that is far too long' } }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: Record<string, string[]>; status: string; data: null };
    expect(body.status).toBe('failed');
    expect(body.data).toBeNull();
    expect(Object.keys(body.message).sort()).toEqual(['amount', 'customization.title', 'tx_ref']);

    const txRef = ref('form');
    const form = new URLSearchParams({ amount: '25', currency: 'ETB', tx_ref: txRef, 'customization[title]': 'Form pay' });
    const ok = await fetch(`${baseUrl}/v1/transaction/initialize`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SECRET_KEY}` },
      body: form,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      message: 'Hosted Link',
      status: 'success',
      data: { checkout_url: `${baseUrl}/checkout/${txRef}` },
    });
    expect(await (await fetch(`${baseUrl}/checkout/${txRef}`)).text()).toContain('Form pay');

    const euro = await fetch(`${baseUrl}/v1/transaction/initialize`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount: 10, currency: 'EUR', tx_ref: ref('tx') }),
    });
    expect(euro.status).toBe(400);
    expect(await euro.json()).toEqual({ message: 'Invalid currency, EUR is not supported', status: 'failed', data: null });
  });

  it('answers health probes', async () => {
    expect(await (await fetch(`${baseUrl}/health/live`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${baseUrl}/health/ready`)).json()).toEqual({ status: 'ok' });
  });
});

describe('client transport behaviour', () => {
  it('turns an unreachable Chapa into a retryable network error, after its retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const offline = new ChapaClient({ baseUrl: `http://127.0.0.1:${port}`, secretKey: SECRET_KEY, retries: 2, retryBaseDelayMs: 1 });
    const err = await expectChapaError(offline.verify('tx'));
    expect(err).toMatchObject({ code: 'network', retryable: true, afterRetry: true, operation: 'verify' });
  });

  it('recovers a transfer whose first answer was lost: the retry meets "used before" and the reference is verified', async () => {
    // A proxy that forwards the first POST /v1/transfers to the sandbox, then hangs up on
    // the client instead of answering — the request was processed, the answer never came.
    let dropped = 0;
    const proxy = createServer((req, res) => {
      const upstream = httpRequest(`${baseUrl}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
        if (req.method === 'POST' && req.url === '/v1/transfers' && dropped === 0) {
          dropped += 1;
          up.resume();
          up.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const via = new ChapaClient({
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1/`,
        secretKey: SECRET_KEY,
        retries: 2,
        retryBaseDelayMs: 1,
      });
      const reference = ref('po');
      const result = await via.transfer({
        accountName: 'Almaz',
        accountNumber: '1000777',
        amountMinor: 5000,
        currency: 'ETB',
        reference,
        bankCode: 880,
      });
      expect(dropped).toBe(1);
      expect(result).toMatchObject({ reference, recovered: true });
      expect(await client.verifyTransfer(reference)).toMatchObject({ state: 'succeeded', amountMinor: 5000 });
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
