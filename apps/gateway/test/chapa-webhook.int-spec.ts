import { createHmac } from 'node:crypto';
import { chapaCallbackInputSchema, chapaWebhookInputSchema, type ChapaWebhookInput } from '@tutorhub/contracts';
import { api, fakeService, startGateway, type FakeService, type Gateway } from './support';

const SECRET = 'webhook-secret';

describe('Chapa webhook and callback forwarding (real HTTP + RabbitMQ)', () => {
  let gw: Gateway;
  let payments: FakeService;

  beforeAll(async () => {
    gw = await startGateway({}, ['payments']);
    // Stands in for the payments service: checks the signature over the bytes it was given.
    payments = await fakeService(gw.namespace, 'payments', ({ pattern, data }) => {
      if (pattern === 'payments.chapa_callback') return { ok: true, data: { received: true, txRef: (data as { query: Record<string, string> }).query.trx_ref ?? null } };
      const input = data as ChapaWebhookInput;
      const expected = createHmac('sha256', SECRET).update(Buffer.from(input.rawBody, 'base64')).digest('hex');
      if (input.headers['x-chapa-signature'] !== expected) return { ok: false, error: { status: 401, code: 'chapa.bad_signature', detail: 'Bad signature.' } };
      return { ok: true, data: { received: true } };
    });
  });
  afterAll(async () => {
    await payments?.close();
    await gw?.close();
  });

  // Odd spacing, key order and unicode: any re-serialisation would change the bytes.
  const raw = '{"event":"charge.success",  "tx_ref":"tx-1","amount":"1500.00","meta":{"note":"caf\u00e9 \\u00e9"} ,"z":1}';

  it('forwards the exact raw body (base64) and the signature headers, anonymously', async () => {
    const signature = createHmac('sha256', SECRET).update(raw).digest('hex');
    const res = await api(gw, '/api/webhooks/chapa', {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'x-chapa-signature': signature, 'chapa-signature': 'legacy', 'x-other': 'dropped' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true });
    const req = payments.requests.at(-1)!;
    expect(req.pattern).toBe('payments.chapa_webhook');
    expect(req.actor).toBeNull();
    const input = chapaWebhookInputSchema.parse(req.data);
    expect(Buffer.from(input.rawBody, 'base64').toString('utf8')).toBe(raw);
    expect(input.headers).toEqual({ 'x-chapa-signature': signature, 'chapa-signature': 'legacy' });
  });

  it('accepts any content type on the webhook (the body is not parsed)', async () => {
    const body = 'event=charge.success&tx_ref=tx-2';
    const signature = createHmac('sha256', SECRET).update(body).digest('hex');
    const res = await api(gw, '/api/webhooks/chapa', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-chapa-signature': signature } });
    expect(res.status).toBe(200);
    expect(Buffer.from((payments.requests.at(-1)!.data as ChapaWebhookInput).rawBody, 'base64').toString()).toBe(body);
  });

  it('turns a bad signature into a 401 problem for Chapa', async () => {
    const res = await api(gw, '/api/webhooks/chapa', { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-chapa-signature': 'f'.repeat(64) } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'chapa.bad_signature' });
    const unsigned = await api(gw, '/api/webhooks/chapa', { method: 'POST', body: raw, headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
  });

  it('forwards the callback query to payments.chapa_callback', async () => {
    const res = await api(gw, '/api/payments/chapa/callback?trx_ref=tx-9&status=success&ref_id=abc');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, txRef: 'tx-9' });
    const req = payments.requests.at(-1)!;
    expect(req).toMatchObject({ pattern: 'payments.chapa_callback', actor: null });
    expect(chapaCallbackInputSchema.parse(req.data)).toEqual({ query: { trx_ref: 'tx-9', status: 'success', ref_id: 'abc' } });
  });
});
