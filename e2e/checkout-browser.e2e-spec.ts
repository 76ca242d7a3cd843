import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { createTutorhubClient } from '@tutorhub/journey/api-client';
import { accept, book, openCheckout, register, setUpTutor, waitForBookingStatus, type JourneyContext } from '@tutorhub/journey/lesson-journey';
import { startPlatform, type Platform } from './support/platform';

/**
 * The checkout as a student's phone lives it, in a real browser: Debian's Chromium driven by
 * playwright-core (never a browser a tool downloads). `.ci/run` installs it with apt; locally,
 * `apt-get install -y chromium`, or point CHROMIUM_PATH at another Chromium.
 *
 * The student opens the hosted checkout, clicks Pay, and lands on the gateway's return page,
 * which says the payment was received, that the booking is confirmed, and links back to the app.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('checkout in a browser', () => {
  let platform: Platform;
  let ctx: JourneyContext;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH. The browser test does not skip.`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    platform = await startPlatform({ APP_RETURN_URL: 'tutorhub://bookings/{bookingId}' });
    ctx = { api: createTutorhubClient({ baseUrl: platform.urls.gateway }), sandboxUrl: platform.urls['chapa-sandbox'], runId: randomUUID().slice(0, 8) };
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('pays on the hosted checkout and lands on a page saying the booking is confirmed, with a link back to the app', async () => {
    const tutor = await register(ctx, 'tutor', 'Hana Girma');
    const student = await register(ctx, 'student', 'Dawit Alemu');
    await setUpTutor(ctx, tutor, 'chemistry', { amountMinor: 40000, currency: 'ETB' });
    const booking = await book(ctx, student, tutor, 'chemistry', new Date(Date.now() + 3 * 3600_000), 60);
    await accept(ctx, tutor, booking.id);
    const { checkoutUrl, txRef } = await openCheckout(ctx, student, booking.id);

    const page = await browser.newPage();
    try {
      await page.goto(checkoutUrl);
      await page.getByRole('button', { name: /^Pay / }).click();
      // Chapa sends the buyer to return_url: the gateway's page for people, not the callback's JSON.
      await page.waitForURL((url) => url.pathname === '/api/payments/chapa/return');
      expect(new URL(page.url()).searchParams.get('tx_ref')).toBe(txRef);
      // The page refreshes itself until the booking is confirmed.
      await page.locator('[data-booking-status="confirmed"]').waitFor({ timeout: 60_000 });
      await expect(page.locator('h1').textContent()).resolves.toBe('Payment received');
      await expect(page.locator('.booking').textContent()).resolves.toMatch(/^Your booking for \d{4}-\d\d-\d\d \d\d:\d\d UTC is confirmed\.$/);
      await expect(page.getByRole('link', { name: 'Back to the app' }).getAttribute('href')).resolves.toBe(`tutorhub://bookings/${booking.id}`);
      const html = await page.content();
      expect(html).not.toContain(student.email);
      expect(html).not.toContain(student.id);
    } finally {
      await page.close();
    }
    await waitForBookingStatus(ctx, student, booking.id, 'confirmed');

    // The machine callback stays machine-only (JSON), and the return page answers machines with problems.
    const callback = await ctx.api.GET('/api/payments/chapa/callback', { params: { query: { tx_ref: txRef } } });
    expect(callback.response.headers.get('content-type')).toMatch(/^application\/json/);
    const unknown = await ctx.api.GET('/api/payments/chapa/return', { params: { query: { tx_ref: 'TH-unknown' } } });
    expect([unknown.response.status, unknown.response.headers.get('content-type')?.split(';')[0], unknown.error]).toEqual([
      404,
      'application/problem+json',
      expect.objectContaining({ code: 'payment.not_found' }),
    ]);
    const unknownPage = await ctx.api.GET('/api/payments/chapa/return', { params: { query: { tx_ref: 'TH-unknown' } }, headers: { accept: 'text/html' }, parseAs: 'text' });
    expect(unknownPage.response.status).toBe(404);
    expect(unknownPage.error).toContain('Payment not found');
  });

  it('shows the API reference at /docs: Swagger UI renders every route of the committed document under the gateway\'s CSP', async () => {
    // The gateway serves the committed document and Swagger UI's files itself (ADR 0021); the
    // page has no inline script, so helmet's Content-Security-Policy must not block anything.
    const document = (await (await fetch(`${platform.urls.gateway}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k)).length, 0);
    expect(operations).toBeGreaterThan(20);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('requestfailed', (r) => problems.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    try {
      await page.goto(`${platform.urls.gateway}/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      await expect(page.locator('.info .title').textContent()).resolves.toContain('tutorhub API');
      await expect(page.locator('.opblock').count()).resolves.toBe(operations);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
