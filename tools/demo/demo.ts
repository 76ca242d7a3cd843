import { randomUUID } from 'node:crypto';
import { createTutorhubClient } from '../journey/api-client';
import { happyLesson, notifications, type Narrate } from '../journey/lesson-journey';

/**
 * `npm run demo`: plays the seed's story against a running platform (`npm start`) and narrates
 * each step. API_URL and SANDBOX_URL point it elsewhere.
 */
const API_URL = process.env.API_URL ?? 'http://127.0.0.1:3000/api';
/** The client's paths start with /api: it takes the gateway's origin. */
const api = createTutorhubClient({ baseUrl: API_URL.replace(/\/api\/?$/, '') });
const SANDBOX_URL = process.env.SANDBOX_URL ?? 'http://127.0.0.1:3099';

const started = Date.now();
let step = 0;
const narrate: Narrate = (what, detail) => {
  step++;
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`\n\x1b[1m${String(step).padStart(2)}. ${what}\x1b[0m  \x1b[2m(+${t}s)\x1b[0m`);
  if (detail) for (const [k, v] of Object.entries(detail)) console.log(`      ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
};

const money = (m: { amountMinor: number; currency: string }) => `${m.currency} ${(m.amountMinor / 100).toFixed(2)}`;

async function main() {
  try {
    const health = await fetch(API_URL.replace(/\/api$/, '/health/ready'));
    if (!health.ok) throw new Error(`gateway not ready (${health.status})`);
  } catch (err) {
    console.error(`The platform is not reachable at ${API_URL} (${(err as Error).message}). Start it first: npm start`);
    process.exit(1);
  }
  console.log('tutorhub demo: a tutor sets weekly hours, a student looks at the free slots and books, pays through Chapa, they meet on video, the tutor gets paid.');
  const out = await happyLesson({ api, sandboxUrl: SANDBOX_URL, narrate, runId: randomUUID().slice(0, 6) }, undefined, { availability: true });

  console.log('\n\x1b[1mSummary\x1b[0m');
  console.log(`  booking ${out.booking.id}: ${money(out.booking.price)}`);
  console.log(`  ${out.tutor.fullName}'s wallet: available ${money(out.wallet.available)}, pending ${money(out.wallet.pendingEscrow)}, lifetime ${money(out.wallet.lifetimeEarnings)}`);
  for (const who of [out.student, out.tutor]) {
    const inbox = await notifications({ api, sandboxUrl: SANDBOX_URL }, who);
    console.log(`  ${who.fullName} (${who.role}) has ${inbox.items.length} notifications, ${inbox.unreadCount} unread:`);
    for (const n of inbox.items.slice().reverse()) console.log(`    · [${n.kind}] ${n.title}`);
  }
  console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(`\ndemo failed: ${(err as Error).message}`);
  process.exit(1);
});
