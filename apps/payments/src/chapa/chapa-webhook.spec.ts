import { createHmac } from 'node:crypto';
import { parseChapaWebhook, verifyChapaSignature } from './chapa-webhook';

const SECRET = 'whsec-test-0123456789';
const hmac = (key: string, data: Buffer | string) => createHmac('sha256', key).update(data).digest('hex');

// Chapa's documented v1 transaction webhook (developer.chapa.co, Webhooks), as raw bytes.
const chargeSuccess = {
  event: 'charge.success',
  first_name: '',
  last_name: '',
  email: null,
  mobile: '25190000000',
  currency: 'ETB',
  amount: '400.00',
  charge: '12.00',
  status: 'success',
  mode: 'live',
  reference: 'AP634JFwEbxd',
  created_at: '2023-08-27T19:21:18.000000Z',
  updated_at: '2023-08-27T19:21:27.000000Z',
  type: 'API',
  tx_ref: '4FGFF4FFGD3',
  payment_method: 'telebirr',
  customization: { title: null, description: null, logo: null },
  meta: null,
};
const raw = Buffer.from(JSON.stringify(chargeSuccess));

describe('verifyChapaSignature', () => {
  it('accepts x-chapa-signature = HMAC-SHA256(raw body) with the webhook secret', () => {
    expect(verifyChapaSignature(raw, { 'x-chapa-signature': hmac(SECRET, raw) }, SECRET)).toBe(true);
  });

  it('finds the header whatever its case, in plain objects and in fetch Headers', () => {
    expect(verifyChapaSignature(raw, { 'X-Chapa-Signature': hmac(SECRET, raw) }, SECRET)).toBe(true);
    expect(verifyChapaSignature(raw, new Headers({ 'X-Chapa-Signature': hmac(SECRET, raw) }), SECRET)).toBe(true);
    expect(verifyChapaSignature(raw, { 'x-chapa-signature': hmac(SECRET, raw).toUpperCase() }, SECRET)).toBe(true);
  });

  it('rejects a tampered body, even a whitespace change', () => {
    const signature = hmac(SECRET, raw);
    const tampered = Buffer.from(JSON.stringify({ ...chargeSuccess, amount: '4000.00' }));
    expect(verifyChapaSignature(tampered, { 'x-chapa-signature': signature }, SECRET)).toBe(false);
    const reformatted = Buffer.from(JSON.stringify(chargeSuccess, null, 2));
    expect(verifyChapaSignature(reformatted, { 'x-chapa-signature': signature }, SECRET)).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyChapaSignature(raw, { 'x-chapa-signature': hmac('another-secret', raw) }, SECRET)).toBe(false);
  });

  it('rejects missing, empty, short, long, non-hex and repeated headers without throwing', () => {
    const good = hmac(SECRET, raw);
    for (const headers of [
      {},
      { 'x-chapa-signature': '' },
      { 'x-chapa-signature': good.slice(0, 63) },
      { 'x-chapa-signature': `${good}00` },
      { 'x-chapa-signature': 'z'.repeat(64) },
      { 'x-chapa-signature': [good, good] },
    ]) {
      expect(verifyChapaSignature(raw, headers, SECRET)).toBe(false);
    }
  });

  it("rejects Chapa-Signature's constant HMAC(secret, secret), alone or beside a bad x-chapa-signature", () => {
    const constant = hmac(SECRET, SECRET);
    expect(verifyChapaSignature(raw, { 'chapa-signature': constant }, SECRET)).toBe(false);
    expect(verifyChapaSignature(raw, { 'Chapa-Signature': constant, 'x-chapa-signature': 'bad' }, SECRET)).toBe(false);
  });

  it('accepts chapa-signature only when it is the HMAC of the raw body (custom webhooks)', () => {
    expect(verifyChapaSignature(raw, { 'chapa-signature': hmac(SECRET, raw) }, SECRET)).toBe(true);
  });

  it('refuses to verify with an empty secret', () => {
    expect(verifyChapaSignature(raw, { 'x-chapa-signature': hmac('', raw) }, '')).toBe(false);
  });
});

describe('parseChapaWebhook — v1', () => {
  it('charge.success → payment success with tx_ref and Chapa reference', () => {
    expect(parseChapaWebhook(chargeSuccess)).toEqual({
      kind: 'payment',
      outcome: 'success',
      event: 'charge.success',
      txRef: '4FGFF4FFGD3',
      reference: 'AP634JFwEbxd',
      chapaReference: 'AP634JFwEbxd',
      status: 'success',
      amount: '400.00',
      currency: 'ETB',
      raw: chargeSuccess,
    });
  });

  it('charge.failed, charge.cancelled and the documented "charge.failed/cancelled" → payment failed', () => {
    for (const event of ['charge.failed', 'charge.cancelled', 'charge.failed/cancelled']) {
      expect(parseChapaWebhook({ ...chargeSuccess, event, status: 'failed/cancelled' })).toMatchObject({
        kind: 'payment',
        outcome: 'failed',
        txRef: '4FGFF4FFGD3',
      });
    }
  });

  it('charge.refunded → refund success for the charge; charge.reversed → payment reversed', () => {
    expect(parseChapaWebhook({ ...chargeSuccess, event: 'charge.refunded', status: 'refunded' })).toMatchObject({
      kind: 'refund',
      outcome: 'success',
      txRef: '4FGFF4FFGD3',
    });
    expect(parseChapaWebhook({ ...chargeSuccess, event: 'charge.reversed', status: 'reversed' })).toMatchObject({
      kind: 'payment',
      outcome: 'reversed',
    });
  });

  it('a dispute event is never a successful payment, whatever its status says', () => {
    expect(parseChapaWebhook({ ...chargeSuccess, event: 'charge.dispute.create', status: 'success' })).toMatchObject({
      kind: 'payment',
      outcome: 'other',
    });
  });

  // Chapa's documented transfer webhook, and the transfer.* names the v1 event list uses.
  const payout = {
    event: 'payout.success',
    type: 'Payout',
    account_name: 'Customer Name',
    account_number: '25190000000',
    bank_id: 855,
    bank_name: 'telebirr',
    amount: '2000.00',
    charge: '60.00',
    currency: 'ETB',
    status: 'success',
    reference: 'MYMER3434989',
    chapa_reference: '2o10dfs332U',
    bank_reference: 'GT3412w3',
    created_at: '2023-08-27T19:23:22.000000Z',
    updated_at: '2023-08-27T19:23:23.000000Z',
  };

  it.each([
    ['payout.success', 'success'],
    ['transfer.success', 'success'],
    ['payout.failed/cancelled', 'failed'],
    ['transfer.failed', 'failed'],
    ['transfer.reversed', 'reversed'],
  ])('%s → payout %s with our reference', (event, outcome) => {
    expect(parseChapaWebhook({ ...payout, event })).toMatchObject({
      kind: 'payout',
      outcome,
      reference: 'MYMER3434989',
      chapaReference: '2o10dfs332U',
    });
  });

  it('a Payout body without an event name falls back to its status', () => {
    const { event: _event, ...noEvent } = payout;
    expect(parseChapaWebhook({ ...noEvent, status: 'failed' })).toMatchObject({ kind: 'payout', outcome: 'failed' });
  });
});

describe('parseChapaWebhook — v2', () => {
  const common = {
    mode: 'live',
    currency: 'ETB',
    amount: '100.00',
    created_at: '2025-01-01T10:00:00Z',
    updated_at: '2025-01-01T10:00:05Z',
    meta: {},
  };

  it('webhook_type payment, payment.success → payment success; merchant_reference is the tx_ref', () => {
    expect(
      parseChapaWebhook({
        ...common,
        webhook_type: 'payment',
        event: 'payment.success',
        status: 'success',
        merchant_reference: 'tx-abc',
        chapa_reference: 'CHxyz',
        payment_type: 'API',
        payment_method: 'telebirr',
      }),
    ).toMatchObject({ kind: 'payment', outcome: 'success', txRef: 'tx-abc', reference: 'CHxyz', chapaReference: 'CHxyz' });
  });

  it('payment.failed, payment.cancelled and payment.timeout → payment failed', () => {
    for (const event of ['payment.failed', 'payment.cancelled', 'payment.timeout']) {
      expect(parseChapaWebhook({ ...common, webhook_type: 'payment', event, status: 'failed', merchant_reference: 'tx' })).toMatchObject({
        kind: 'payment',
        outcome: 'failed',
      });
    }
  });

  it('webhook_type payout → payout with our reference', () => {
    expect(
      parseChapaWebhook({ ...common, webhook_type: 'payout', event: 'payout.failed', status: 'failed', merchant_reference: 'po-1', chapa_reference: 'C1' }),
    ).toMatchObject({ kind: 'payout', outcome: 'failed', reference: 'po-1', chapaReference: 'C1' });
  });

  it('webhook_type refund → refund with its reference and the charge tx_ref when present', () => {
    expect(
      parseChapaWebhook({
        ...common,
        webhook_type: 'refund',
        event: 'refund.success',
        status: 'refunded',
        merchant_reference: 'rf-1',
        chapa_reference: 'R1',
        tx_ref: 'tx-abc',
      }),
    ).toMatchObject({ kind: 'refund', outcome: 'success', reference: 'rf-1', txRef: 'tx-abc' });
  });

  it('an unknown event of a known type is kept, with outcome other', () => {
    expect(parseChapaWebhook({ webhook_type: 'payment', event: 'payment.pending', status: 'pending' })).toMatchObject({
      kind: 'payment',
      outcome: 'other',
    });
  });
});

describe('parseChapaWebhook — junk', () => {
  it.each([undefined, null, 42, 'charge.success', [], [chargeSuccess], {}, { event: 'something.else' }, { event: 17 }])(
    'never throws, and %p is unknown',
    (body) => {
      expect(parseChapaWebhook(body)).toMatchObject({ kind: 'unknown', outcome: 'other', raw: body });
    },
  );

  it('ignores a field of the wrong type instead of discarding the event', () => {
    expect(parseChapaWebhook({ ...chargeSuccess, amount: { nested: true }, tx_ref: ['x'] })).toMatchObject({
      kind: 'payment',
      outcome: 'success',
      reference: 'AP634JFwEbxd',
    });
  });

  it('reads events wrapped in a data object', () => {
    expect(parseChapaWebhook({ event: 'charge.success', data: { tx_ref: 't1', reference: 'AP1', status: 'success' } })).toMatchObject({
      kind: 'payment',
      outcome: 'success',
      txRef: 't1',
      reference: 'AP1',
    });
  });
});
