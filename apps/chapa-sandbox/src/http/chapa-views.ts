import { chapaTimestamp } from '../domain/ids';
import { formatMinor, minorToNumber } from '../domain/sandbox-money';
import type { SandboxRefund, SandboxTransaction, SandboxTransfer } from '../domain/sandbox-store';

// The sandbox's records in Chapa's field names. Verify answers carry JSON numbers (as in
// Chapa's documented example: "amount": 100, "charge": 3.5); webhooks carry decimal
// strings ("amount": "400.00"). Clients must accept both — so both are exercised here.

export type Mode = 'test' | 'live';

export function modeOf(secretKey: string): Mode {
  return secretKey.startsWith('CHASECK_TEST') ? 'test' : 'live';
}

const METHOD = 'test';
const TYPE = 'API';

/** `data` of GET /v1/transaction/verify/:tx_ref. */
export function verifyData(tx: SandboxTransaction, mode: Mode): Record<string, unknown> {
  return {
    first_name: tx.firstName,
    last_name: tx.lastName,
    email: tx.email,
    currency: tx.currency,
    amount: minorToNumber(tx.amountMinor),
    charge: minorToNumber(tx.chargeMinor),
    mode,
    method: METHOD,
    type: TYPE,
    status: tx.status,
    reference: tx.reference,
    tx_ref: tx.txRef,
    customization: tx.customization,
    meta: tx.meta,
    created_at: chapaTimestamp(tx.createdAt),
    updated_at: chapaTimestamp(tx.updatedAt),
  };
}

/** v1 transaction webhook: a flat object, `event` plus the verify fields. */
export function chargeWebhook(
  tx: SandboxTransaction,
  mode: Mode,
  event: 'charge.success' | 'charge.failed' | 'charge.refunded',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    event,
    first_name: tx.firstName,
    last_name: tx.lastName,
    email: tx.email,
    mobile: tx.phoneNumber,
    currency: tx.currency,
    amount: formatMinor(tx.amountMinor),
    charge: formatMinor(tx.chargeMinor),
    status: tx.status,
    mode,
    reference: tx.reference,
    created_at: chapaTimestamp(tx.createdAt),
    updated_at: chapaTimestamp(tx.updatedAt),
    type: TYPE,
    tx_ref: tx.txRef,
    payment_method: METHOD,
    customization: tx.customization,
    meta: tx.meta,
    ...extra,
  };
}

export function refundData(refund: SandboxRefund, status: string): Record<string, unknown> {
  return {
    ref_id: refund.refId,
    merchant_reference: refund.reference,
    tx_ref: refund.txRef,
    amount: formatMinor(refund.amountMinor),
    currency: refund.currency,
    reason: refund.reason,
    meta: refund.meta,
    status,
    created_at: chapaTimestamp(refund.createdAt),
    updated_at: chapaTimestamp(refund.createdAt),
  };
}

/** `data` of GET /v1/transfers/verify/:reference. */
export function transferData(t: SandboxTransfer, mode: Mode): Record<string, unknown> {
  return {
    account_name: t.accountName,
    account_number: t.accountNumber,
    mobile: t.bank.is_mobilemoney ? t.accountNumber : null,
    currency: t.currency,
    amount: formatMinor(t.amountMinor),
    charge: formatMinor(t.chargeMinor),
    mode,
    transfer_method: t.bank.is_mobilemoney ? 'mobile_money' : 'bank',
    narration: t.failureReason,
    chapa_transfer_id: t.chapaReference,
    bank_code: t.bank.id,
    bank_name: t.bank.name,
    cross_party_reference: t.bankReference,
    ip_address: null,
    status: t.status,
    tx_ref: t.reference,
    reference: t.reference,
    created_at: chapaTimestamp(t.createdAt),
    updated_at: chapaTimestamp(t.updatedAt),
  };
}

/** v1 transfer webhook (Chapa documents it with `"type": "Payout"`). */
export function transferWebhook(t: SandboxTransfer): Record<string, unknown> {
  return {
    event: t.status === 'success' ? 'transfer.success' : t.status === 'reversed' ? 'transfer.reversed' : 'transfer.failed',
    type: 'Payout',
    account_name: t.accountName,
    account_number: t.accountNumber,
    bank_id: t.bank.id,
    bank_name: t.bank.name,
    amount: formatMinor(t.amountMinor),
    charge: formatMinor(t.chargeMinor),
    currency: t.currency,
    status: t.status,
    reference: t.reference,
    chapa_reference: t.chapaReference,
    bank_reference: t.bankReference,
    created_at: chapaTimestamp(t.createdAt),
    updated_at: chapaTimestamp(t.updatedAt),
  };
}
