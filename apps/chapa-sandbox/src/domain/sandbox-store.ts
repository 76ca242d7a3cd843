import type { SandboxBank } from './banks';
import { randomReference } from './ids';
import { chargeFor, type SandboxCurrency } from './sandbox-money';

// Everything the sandbox remembers, in memory, and the rules Chapa applies to it. No HTTP
// here: refusals are `SandboxRefusal`s carrying the HTTP status and the message Chapa would
// answer, and the controllers only translate.

export type TransactionStatus = 'pending' | 'success' | 'failed' | 'refunded';

export interface Customization {
  title: string | null;
  description: string | null;
  logo: string | null;
}

export interface SandboxTransaction {
  txRef: string;
  /** Chapa's own reference of the charge. */
  reference: string;
  amountMinor: number;
  chargeMinor: number;
  currency: SandboxCurrency;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phoneNumber: string | null;
  callbackUrl: string | null;
  returnUrl: string | null;
  customization: Customization;
  meta: Record<string, unknown> | null;
  status: TransactionStatus;
  refundedMinor: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SandboxRefund {
  refId: string;
  /** The merchant's reference (generated when none was given). */
  reference: string;
  txRef: string;
  amountMinor: number;
  currency: SandboxCurrency;
  reason: string | null;
  meta: Record<string, unknown> | null;
  status: 'refunded';
  createdAt: Date;
}

export interface SandboxTransfer {
  reference: string;
  chapaReference: string;
  bankReference: string;
  accountName: string;
  accountNumber: string;
  amountMinor: number;
  chargeMinor: number;
  currency: 'ETB';
  bank: SandboxBank;
  status: 'success' | 'failed' | 'reversed';
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What a transfer request does, from the magic prefix of its account number (see README):
 * - `settle`: the transfer is made and answered at once (`0000…` fails, anything else succeeds);
 * - `lost_answer` (`0001…`): the transfer is made, but the answer never reaches the merchant
 *   (504); a retry of the same reference is refused for another reason than a duplicate;
 * - `lost_request` (`0002…`): the request never reaches Chapa (504, nothing made); a retry is
 *   refused; verify finds nothing;
 * - `verify_down` (`0003…`): like `lost_request`, and verifying the reference fails with 503.
 */
export type TransferScenario = 'settle' | 'lost_answer' | 'lost_request' | 'verify_down';

export function transferScenario(accountNumber: string): TransferScenario {
  if (accountNumber.startsWith(LOST_ANSWER_ACCOUNT_PREFIX)) return 'lost_answer';
  if (accountNumber.startsWith(LOST_REQUEST_ACCOUNT_PREFIX)) return 'lost_request';
  if (accountNumber.startsWith(VERIFY_DOWN_ACCOUNT_PREFIX)) return 'verify_down';
  return 'settle';
}

export class SandboxRefusal extends Error {
  override readonly name = 'SandboxRefusal';
  constructor(
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a checkout gives; the sandbox adds its reference, charge, status and times. */
export type NewTransaction = Pick<
  SandboxTransaction,
  'txRef' | 'amountMinor' | 'currency' | 'email' | 'firstName' | 'lastName' | 'phoneNumber' | 'callbackUrl' | 'returnUrl' | 'customization' | 'meta'
>;

export interface NewRefund {
  amountMinor: number | null;
  reason: string | null;
  reference: string | null;
  meta: Record<string, unknown> | null;
}

export interface NewTransfer {
  reference: string | null;
  accountName: string;
  accountNumber: string;
  amountMinor: number;
  bank: SandboxBank;
}

/** Account numbers starting with this fail at the "bank" — the sandbox's magic value. */
export const FAILING_ACCOUNT_PREFIX = '0000';
export const LOST_ANSWER_ACCOUNT_PREFIX = '0001';
export const LOST_REQUEST_ACCOUNT_PREFIX = '0002';
export const VERIFY_DOWN_ACCOUNT_PREFIX = '0003';
/** What Chapa answers a retried transfer it cannot fund (the first attempt took the balance). */
export const INSUFFICIENT_BALANCE = 'Insufficient balance in your Chapa account to complete this transfer';

export type Settlement = 'success' | 'failed';

export class SandboxStore {
  private readonly transactions = new Map<string, SandboxTransaction>();
  private readonly byChapaReference = new Map<string, SandboxTransaction>();
  private readonly refunds = new Map<string, SandboxRefund>();
  private readonly refundsByReference = new Map<string, SandboxRefund>();
  private readonly transfers = new Map<string, SandboxTransfer>();
  /** References of transfers whose request was "lost" (scenarios lost_request / verify_down). */
  private readonly lostTransfers = new Map<string, TransferScenario>();
  /** Per transaction: how much Chapa keeps of each refund (it refunds less than asked). */
  private readonly refundKeeps = new Map<string, number>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  initialize(input: NewTransaction): SandboxTransaction {
    if (this.transactions.has(input.txRef)) {
      throw new SandboxRefusal(400, 'Transaction reference has been used before');
    }
    const at = this.now();
    const tx: SandboxTransaction = {
      ...input,
      reference: this.unique((ref) => this.byChapaReference.has(ref), 'AP'),
      chargeMinor: chargeFor(input.amountMinor),
      status: 'pending',
      refundedMinor: 0,
      createdAt: at,
      updatedAt: at,
    };
    this.transactions.set(tx.txRef, tx);
    this.byChapaReference.set(tx.reference, tx);
    return tx;
  }

  /** By our tx_ref, or by Chapa's reference (older refund docs address a charge by it). */
  /** The latest transactions, newest first (the landing page). */
  recentTransactions(limit: number): SandboxTransaction[] {
    // A Map keeps insertion order: the last initialized is the newest (even within one millisecond).
    return [...this.transactions.values()].reverse().slice(0, limit);
  }

  findTransaction(ref: string): SandboxTransaction | undefined {
    return this.transactions.get(ref) ?? this.byChapaReference.get(ref);
  }

  /**
   * Settles a pending transaction. Repeating the same settlement is a no-op reported with
   * `changed: false`; the opposite settlement of a settled transaction is refused (409).
   */
  settle(txRef: string, outcome: Settlement): { tx: SandboxTransaction; changed: boolean } {
    const tx = this.transactions.get(txRef);
    if (!tx) throw new SandboxRefusal(404, 'Invalid transaction or Transaction not found');
    if (tx.status === 'pending') {
      tx.status = outcome;
      tx.updatedAt = this.now();
      return { tx, changed: true };
    }
    const settledAs: Settlement = tx.status === 'failed' ? 'failed' : 'success';
    if (settledAs === outcome) return { tx, changed: false };
    throw new SandboxRefusal(409, `Transaction has already been settled as ${tx.status}`);
  }

  refund(ref: string, input: NewRefund): { refund: SandboxRefund; tx: SandboxTransaction } {
    const tx = this.findTransaction(ref);
    if (!tx) throw new SandboxRefusal(404, 'Invalid transaction or Transaction not found');
    if (tx.status === 'pending' || tx.status === 'failed') {
      throw new SandboxRefusal(400, 'Only a successful transaction can be refunded');
    }
    const remaining = tx.amountMinor - tx.refundedMinor;
    if (remaining <= 0) throw new SandboxRefusal(400, 'Transaction has already been fully refunded');
    if (input.reference !== null && this.refundsByReference.has(input.reference)) {
      throw new SandboxRefusal(400, 'Refund reference has been used before');
    }
    const amount = input.amountMinor ?? remaining;
    if (amount > remaining) {
      throw new SandboxRefusal(400, 'The refund amount is greater than the refundable amount of the transaction');
    }
    const refId = this.unique((id) => this.refunds.has(id), 'RF');
    // A scripted shortfall: Chapa refunds less than it was asked (and says so).
    const refunded = Math.max(1, amount - (this.refundKeeps.get(tx.txRef) ?? 0));
    const refund: SandboxRefund = {
      refId,
      reference: input.reference ?? refId,
      txRef: tx.txRef,
      amountMinor: refunded,
      currency: tx.currency,
      reason: input.reason,
      meta: input.meta,
      status: 'refunded',
      createdAt: this.now(),
    };
    tx.refundedMinor += refunded;
    if (tx.refundedMinor === tx.amountMinor) tx.status = 'refunded';
    tx.updatedAt = refund.createdAt;
    this.refunds.set(refund.refId, refund);
    this.refundsByReference.set(refund.reference, refund);
    return { refund, tx };
  }

  /**
   * From now on, Chapa keeps `keepMinor` of every refund of this transaction: it refunds (and
   * reports) the amount asked less that. For exercising a merchant's refund amount checks.
   */
  keepOnRefunds(ref: string, keepMinor: number): SandboxTransaction {
    const tx = this.findTransaction(ref);
    if (!tx) throw new SandboxRefusal(404, 'Invalid transaction or Transaction not found');
    this.refundKeeps.set(tx.txRef, keepMinor);
    return tx;
  }

  /** By Chapa's ref_id or by the merchant's refund reference. */
  findRefund(ref: string): SandboxRefund | undefined {
    return this.refunds.get(ref) ?? this.refundsByReference.get(ref);
  }

  /**
   * Transfers settle at once: accounts starting with "0000" fail, every other succeeds. The
   * other magic prefixes (`transferScenario`) simulate a lost answer or a lost request: the
   * first attempt is refused with 504 `gateway_timeout`, a retry of the same reference with
   * `INSUFFICIENT_BALANCE` (400).
   */
  transfer(input: NewTransfer): SandboxTransfer {
    const reference = input.reference ?? this.unique((r) => this.transfers.has(r), 'TR');
    const scenario = transferScenario(input.accountNumber);
    if (scenario !== 'settle' && (this.transfers.has(reference) || this.lostTransfers.has(reference))) {
      throw new SandboxRefusal(400, INSUFFICIENT_BALANCE);
    }
    if (this.transfers.has(reference)) throw new SandboxRefusal(400, 'The reference number has been used before');
    if (scenario === 'lost_request' || scenario === 'verify_down') {
      this.lostTransfers.set(reference, scenario);
      throw new SandboxRefusal(504, 'Gateway Timeout');
    }
    const fails = input.accountNumber.startsWith(FAILING_ACCOUNT_PREFIX);
    const at = this.now();
    const transfer: SandboxTransfer = {
      reference,
      chapaReference: randomReference('', 14),
      bankReference: randomReference('BR', 8),
      accountName: input.accountName,
      accountNumber: input.accountNumber,
      amountMinor: input.amountMinor,
      chargeMinor: 0,
      currency: 'ETB',
      bank: input.bank,
      status: fails ? 'failed' : 'success',
      failureReason: fails ? 'The beneficiary bank rejected the account number' : null,
      createdAt: at,
      updatedAt: at,
    };
    this.transfers.set(reference, transfer);
    if (scenario === 'lost_answer') throw new SandboxRefusal(504, 'Gateway Timeout');
    return transfer;
  }

  /** Whether verifying this reference is scripted to fail (scenario `verify_down`). */
  verifyIsDown(reference: string): boolean {
    return this.lostTransfers.get(reference) === 'verify_down';
  }

  /** The beneficiary bank returned a successful transfer: Chapa marks it `reversed`. */
  reverseTransfer(reference: string): SandboxTransfer {
    const transfer = this.transfers.get(reference);
    if (!transfer) throw new SandboxRefusal(404, 'Transfer not found');
    if (transfer.status === 'reversed') return transfer;
    if (transfer.status !== 'success') throw new SandboxRefusal(409, `Only a successful transfer can be reversed (it is ${transfer.status})`);
    transfer.status = 'reversed';
    transfer.failureReason = 'The beneficiary bank returned the funds';
    transfer.updatedAt = this.now();
    return transfer;
  }

  findTransfer(reference: string): SandboxTransfer | undefined {
    return this.transfers.get(reference);
  }

  private unique(taken: (candidate: string) => boolean, prefix: string): string {
    for (;;) {
      const candidate = randomReference(prefix);
      if (!taken(candidate)) return candidate;
    }
  }
}
