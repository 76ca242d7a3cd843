import { displayMinor } from '../domain/sandbox-money';
import type { SandboxTransaction } from '../domain/sandbox-store';

// The hosted checkout page: plain server-rendered HTML, two real forms, no script needed.

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; padding: 2rem 1rem; color: #1d2430; }
  main { max-width: 26rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  .badge { display: inline-block; font-size: .75rem; background: #fff3cd; color: #7a5b00; border-radius: 4px; padding: .1rem .4rem; }
  .amount { font-size: 2rem; font-weight: 700; margin: .5rem 0 1rem; }
  .muted { color: #5b6675; font-size: .9rem; }
  .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
  .actions form { flex: 1; }
  button { width: 100%; font-size: 1rem; padding: .75rem; border-radius: 8px; border: 0; cursor: pointer; }
  .pay { background: #7dc400; color: #fff; font-weight: 600; }
  .cancel { background: #e9ecef; color: #1d2430; }
  img.logo { max-height: 48px; }
  table.tx { width: 100%; border-collapse: collapse; font-size: .85rem; }
  table.tx th, table.tx td { text-align: left; padding: .3rem .25rem; border-bottom: 1px solid #e9ecef; word-break: break-all; }
</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}

export function checkoutPage(tx: SandboxTransaction): string {
  const ref = encodeURIComponent(tx.txRef);
  const title = tx.customization.title ?? 'Payment';
  const payer = [tx.firstName, tx.lastName].filter(Boolean).join(' ');
  const parts = [
    tx.customization.logo ? `<img class="logo" src="${escapeHtml(tx.customization.logo)}" alt="">` : '',
    `<p><span class="badge">Chapa sandbox · test mode</span></p>`,
    `<h1>${escapeHtml(title)}</h1>`,
    tx.customization.description ? `<p class="muted">${escapeHtml(tx.customization.description)}</p>` : '',
    `<div class="amount" data-amount="${escapeHtml(tx.currency)}">${escapeHtml(displayMinor(tx.amountMinor))} ${escapeHtml(tx.currency)}</div>`,
    payer || tx.email ? `<p class="muted">${escapeHtml([payer, tx.email ?? ''].filter(Boolean).join(' · '))}</p>` : '',
    `<p class="muted">Reference ${escapeHtml(tx.txRef)}</p>`,
  ];
  if (tx.status === 'pending') {
    parts.push(`<div class="actions">
  <form method="post" action="/checkout/${ref}/pay"><button class="pay" type="submit">Pay ${escapeHtml(displayMinor(tx.amountMinor))} ${escapeHtml(tx.currency)}</button></form>
  <form method="post" action="/checkout/${ref}/fail"><button class="cancel" type="submit">Cancel</button></form>
</div>`);
  } else {
    parts.push(`<p><strong>${escapeHtml(statusSentence(tx.status))}</strong></p>`);
  }
  return page(`${title} — Chapa sandbox checkout`, parts.filter(Boolean).join('\n'));
}

export function resultPage(tx: SandboxTransaction): string {
  const ok = tx.status === 'success' || tx.status === 'refunded';
  return page(
    ok ? 'Payment successful' : 'Payment failed',
    `<p><span class="badge">Chapa sandbox · test mode</span></p>
<h1>${ok ? 'Payment successful' : 'Payment failed'}</h1>
<p class="amount">${escapeHtml(displayMinor(tx.amountMinor))} ${escapeHtml(tx.currency)}</p>
<p class="muted">Reference ${escapeHtml(tx.txRef)} · ${escapeHtml(statusSentence(tx.status))}</p>`,
  );
}

/** A transaction's status as a sentence for the buyer. */
export function statusSentence(status: SandboxTransaction['status']): string {
  switch (status) {
    case 'pending':
      return 'This payment is waiting for you to pay.';
    case 'success':
      return 'This payment has been made.';
    case 'failed':
      return 'This payment did not go through.';
    case 'refunded':
      return 'This payment has been refunded.';
    default:
      return `This payment is ${String(status).replace(/_/g, ' ')}.`;
  }
}

const STATUS_LABEL: Record<string, string> = { pending: 'waiting', success: 'paid', failed: 'not paid', refunded: 'refunded' };

/**
 * The sandbox's front page (`GET /`): what it is, where its API and checkout live, and the
 * latest transactions with a link to each checkout, so a developer can finish a payment a
 * script opened.
 */
export function landingPage(transactions: readonly SandboxTransaction[], o: { publicBaseUrl: string; webhookUrl: string }): string {
  const rows = transactions
    .map(
      (tx) => `<tr><td><a href="/checkout/${encodeURIComponent(tx.txRef)}">${escapeHtml(tx.txRef)}</a></td>` +
        `<td>${escapeHtml(displayMinor(tx.amountMinor))} ${escapeHtml(tx.currency)}</td>` +
        `<td data-status="${escapeHtml(tx.status)}">${escapeHtml(STATUS_LABEL[tx.status] ?? tx.status)}</td>` +
        `<td>${escapeHtml(tx.createdAt.toISOString().replace('T', ' ').slice(0, 19))} UTC</td></tr>`,
    )
    .join('\n');
  return page(
    'Chapa sandbox',
    `<p><span class="badge">Chapa sandbox · test mode</span></p>
<h1>Chapa sandbox</h1>
<p class="muted">A local stand-in for Chapa: the API at <code>${escapeHtml(o.publicBaseUrl)}/v1</code>, hosted checkout pages at <code>/checkout/&lt;tx_ref&gt;</code>, signed webhooks to <code>${escapeHtml(o.webhookUrl)}</code>. Nothing is kept across restarts.</p>
<h2>Recent transactions</h2>
${
  transactions.length
    ? `<table class="tx"><thead><tr><th>Reference</th><th>Amount</th><th>Status</th><th>Created</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
    : '<p class="muted">None yet. Open a checkout through the API (POST /v1/transaction/initialize), or book and pay a lesson with <code>npm run demo</code>.</p>'
}`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
