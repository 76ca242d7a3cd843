import { Controller, Get, Inject, Logger, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { bookingsRpc, paymentsRpc, type Booking } from '@tutorhub/contracts';
import { RpcClient, RpcError } from '@tutorhub/messaging';
import { CONFIG } from '@tutorhub/service';
import type { GatewayConfig } from '../config';
import { AppError } from '@tutorhub/platform';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags, Public, findUnstorableText, validationProblem } from '../http';
import { BootstrapAdmin } from '../identity/bootstrap-admin/bootstrap-admin';

const TX_REF = /^[A-Za-z0-9._-]{1,100}$/;

/** What the buyer is told about a booking, by status (the app shows the rest). */
const BOOKING_WORDS: Record<string, string> = {
  requested: 'waiting for the tutor to accept',
  accepted: 'accepted, waiting for payment',
  confirmed: 'confirmed',
  in_progress: 'in progress',
  completed: 'completed',
  declined: 'declined by the tutor',
  expired: 'expired',
  cancelled: 'cancelled',
  no_show: 'marked as a no-show',
  disputed: 'under dispute',
};

interface CallbackAnswer {
  paymentStatus?: string | null;
  bookingId?: string | null;
}

interface ReturnView {
  state: 'received' | 'processing' | 'not_completed' | 'review' | 'refunded' | 'unknown';
  bookingStatus?: string;
  bookingId?: string;
  startsAt?: string;
}

/**
 * The page Chapa sends the buyer to after the checkout (`return_url`): a small human page, not
 * the callback's JSON. In a mobile app's WebView it is what the student sees, so it says
 * whether the payment went through, the booking's state, and links back to the app
 * (`APP_RETURN_URL`, a deep link such as `tutorhub://bookings/{bookingId}`).
 *
 * Arriving here is also a signal that the payment may be settled, so the page asks payments to
 * verify it with Chapa first (the same verification as the callback: nothing is believed from
 * the URL). The booking is read as the bootstrap admin, since the buyer's WebView carries no
 * token; the page shows its status and time only, never names, emails or amounts. While the
 * payment is verified but the booking not confirmed yet (the event is on its way), the page
 * refreshes itself every 3 seconds.
 *
 * The machine callback (`/api/payments/chapa/callback`) stays JSON for machines.
 */
@ApiTags('payments')
@Controller()
export class CheckoutReturnController {
  private readonly logger = new Logger('CheckoutReturn');

  constructor(
    private readonly rpc: RpcClient,
    private readonly bootstrapAdmin: BootstrapAdmin,
    @Inject(CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Public()
  @Get('payments/chapa/return')
  @ApiOperation({
    summary: 'Checkout return page (HTML, for the buyer’s browser or WebView)',
    description:
      'Chapa’s `return_url`. Verifies the payment with Chapa, then shows “Payment received” or “Payment not completed”, the booking’s state and a ' +
      'link back to the app (`APP_RETURN_URL`, e.g. `tutorhub://bookings/{bookingId}`). Refreshes itself while the payment is being confirmed. ' +
      'A browser gets HTML pages for errors too; other clients get problems.',
  })
  @ApiQuery({ name: 'tx_ref', required: false, description: 'The payment’s reference (as put in the return_url).', schema: { type: 'string', pattern: TX_REF.source, minLength: 1, maxLength: 100 } })
  @ApiQuery({ name: 'trx_ref', required: false, description: 'The same, under the name Chapa’s callback uses.', schema: { type: 'string', pattern: TX_REF.source, minLength: 1, maxLength: 100 } })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiResponse({
    status: 404,
    description: 'No payment has this reference (`payment.not_found`; an HTML page for a browser).',
    content: { 'text/html': { schema: { type: 'string' } }, 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  })
  async show(@Query('tx_ref') txRef: unknown, @Query('trx_ref') trxRef: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const browser = req.accepts(['application/json', 'text/html']) === 'text/html';
    const unstorable = findUnstorableText({ ...(txRef !== undefined ? { tx_ref: txRef } : {}), ...(trxRef !== undefined ? { trx_ref: trxRef } : {}) }, ['query']);
    const ref = typeof trxRef === 'string' && trxRef ? trxRef : txRef;
    if (unstorable.length > 0 || typeof ref !== 'string' || !TX_REF.test(ref)) {
      if (!browser) {
        throw validationProblem(
          unstorable.length > 0 ? unstorable : [{ path: 'query.tx_ref', message: 'Must be the payment’s reference: 1–100 letters, digits, `.`, `_` or `-`.' }],
        );
      }
      res.status(400).type('html').send(returnPage({ state: 'unknown' }, null, 'This payment link is not valid.'));
      return;
    }
    let view: ReturnView;
    try {
      view = await this.view(ref);
    } catch (err) {
      this.logger.warn(`return page for ${ref}: ${(err as Error).message}`);
      if (!browser) throw err;
      res.status(503).type('html').send(returnPage({ state: 'unknown' }, null, 'We could not check your payment just now. Please refresh this page in a moment.', 5));
      return;
    }
    const status = view.state === 'unknown' ? 404 : 200;
    if (status === 404 && !browser) throw new AppError(404, 'payment.not_found', 'No payment has this reference.');
    const link = view.bookingId ? this.config.APP_RETURN_URL.replace(/\{bookingId\}/g, encodeURIComponent(view.bookingId)) : null;
    const refreshSeconds = view.state === 'processing' ? 3 : undefined;
    res.status(status).type('html').send(returnPage(view, link, undefined, refreshSeconds));
  }

  private async view(txRef: string): Promise<ReturnView> {
    let answer: CallbackAnswer;
    try {
      answer = (await this.rpc.call(paymentsRpc.chapaCallback, { query: { tx_ref: txRef } }, { actor: null, timeoutMs: 15000 })) ?? {};
    } catch (err) {
      if (err instanceof RpcError && err.status >= 400 && err.status < 500) return { state: 'unknown' };
      throw err;
    }
    if (!answer.bookingId || !answer.paymentStatus) return { state: 'unknown' };
    const bookingId = answer.bookingId;
    const paid = answer.paymentStatus === 'succeeded';
    const booking = await this.booking(bookingId);
    const facts = { bookingId, ...(booking ? { bookingStatus: booking.status, startsAt: booking.startsAt } : {}) };
    if (!paid) {
      const state = ({ initiated: 'processing', flagged: 'review', refunded: 'refunded' } as const)[answer.paymentStatus as 'initiated' | 'flagged' | 'refunded'] ?? 'not_completed';
      return { state, ...facts };
    }
    // Paid: the booking is confirmed when bookings has handled payment.succeeded.
    const confirmedYet = booking && booking.status !== 'accepted' && booking.status !== 'requested';
    return { state: confirmedYet ? 'received' : 'processing', ...facts };
  }

  private async booking(bookingId: string): Promise<Booking | null> {
    const actor = await this.bootstrapAdmin.bootstrapAdminActor();
    if (!actor) return null;
    try {
      return await this.rpc.call(bookingsRpc.get, { bookingId }, { actor });
    } catch (err) {
      if (err instanceof RpcError && err.status === 404) return null;
      throw err;
    }
  }
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const HEADINGS: Record<ReturnView['state'], [string, string]> = {
  received: ['Payment received', 'Thank you. Your payment went through and is held safely until the lesson is over.'],
  processing: ['Payment being confirmed', 'We are confirming your payment with Chapa. This page updates by itself.'],
  not_completed: ['Payment not completed', 'Your payment did not go through and you have not been charged. You can try again from the app.'],
  review: ['Payment under review', 'Chapa’s confirmation did not match the lesson’s price. Our team is checking it and will refund any money taken; you do not need to pay again.'],
  refunded: ['Payment refunded', 'Your payment came in after the booking could no longer be confirmed, so it is being refunded to you.'],
  unknown: ['Payment not found', 'We do not know this payment. If you paid, open the app to see your booking.'],
};

/** The page itself: plain HTML, no script, readable in a WebView. */
export function returnPage(view: ReturnView, appLink: string | null, message?: string, refreshSeconds?: number): string {
  const [title, lead] = HEADINGS[view.state];
  const when = view.startsAt ? new Date(view.startsAt).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : null;
  const bookingLine = view.bookingStatus
    ? `<p class="booking">Your booking${when ? ` for ${escapeHtml(when)}` : ''} is <strong data-booking-status="${escapeHtml(view.bookingStatus)}">${escapeHtml(BOOKING_WORDS[view.bookingStatus] ?? view.bookingStatus.replace(/_/g, ' '))}</strong>.</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : ''}
<title>${escapeHtml(title)} — tutorhub</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; padding: 2rem 1rem; color: #1d2430; }
  main { max-width: 26rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  h1 { font-size: 1.5rem; margin-top: 0; }
  .muted { color: #5b6675; }
  a.app { display: block; text-align: center; margin-top: 1.5rem; padding: .8rem; border-radius: 8px; background: #2d6cdf; color: #fff; text-decoration: none; font-weight: 600; }
</style>
</head>
<body><main data-state="${view.state}">
<h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(message ?? lead)}</p>
${bookingLine}
${appLink ? `<a class="app" href="${escapeHtml(appLink)}">Back to the app</a>` : ''}
</main></body>
</html>
`;
}
