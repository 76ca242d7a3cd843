#!/usr/bin/env node
// `npm start`: every tutorhub app as its own process on the local Postgres and RabbitMQ,
// with development defaults (migrations run at start, the Chapa sandbox stands in for Chapa).
// `node tools/run-all.cjs migrate` runs every service's migrations and exits.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { NODE_RUNTIME_FLAGS } = require('./runtime-flags.cjs');

const root = path.resolve(__dirname, '..');
const APPS = [
  { name: 'chapa-sandbox', port: 3099 },
  { name: 'gateway', port: 3000 },
  { name: 'bookings', port: 3001 },
  { name: 'sessions', port: 3002 },
  { name: 'payments', port: 3003 },
  { name: 'notifications', port: 3004 },
];
const only = (process.env.APPS ?? '').split(',').filter(Boolean);
const apps = APPS.filter((a) => only.length === 0 || only.includes(a.name));
const mode = process.argv[2] ?? 'start';

// The local development profile: a lesson can be booked for right now and its escrow is
// released a minute after it ends, so `npm run demo` plays the whole story in about a minute.
// Anything set in the environment wins; production defaults are those of docs/design.md §8.
const DEV_PROFILE = {
  BOOKING_MIN_NOTICE_MINUTES: '0',
  // Slots sit on the quarter hour: a lesson in the next free slot can start at once locally.
  SESSION_START_EARLY_MINUTES: '15',
  BOOKING_ACCEPT_DEADLINE_MINUTES: '0',
  ESCROW_RELEASE_DELAY_HOURS: '0.005',
  ESCROW_RELEASE_CRON: '*/5 * * * * *',
};
const colors = [36, 32, 33, 35, 34, 31];
const children = new Map();
let stopping = false;

// On a terminal each line gets a coloured app tag; piped (to jq, a file, a log shipper) the
// apps' JSON lines pass through untouched (each names its app in "name").
function prefix(app, i) {
  const tag = process.stdout.isTTY ? `\x1b[${colors[i % colors.length]}m${app.name.padEnd(13)}\x1b[0m ` : '';
  return (chunk) =>
    chunk
      .toString()
      .split('\n')
      .filter((l) => l.length)
      .forEach((l) => process.stdout.write(`${tag}${l}\n`));
}

function run(app, i, args, restarts = 0) {
  const child = spawn(process.execPath, [...NODE_RUNTIME_FLAGS, path.join(root, 'dist/apps', app.name, 'src/main.js'), ...args], {
    cwd: root,
    env: { NODE_ENV: 'development', ...DEV_PROFILE, ...process.env, PORT: process.env[`${app.name.toUpperCase().replace('-', '_')}_PORT`] ?? String(app.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', prefix(app, i));
  child.stderr.on('data', prefix(app, i));
  children.set(app.name, child);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(app.name);
      if (mode === 'start' && !stopping) {
        if (restarts >= 5) {
          console.error(`${app.name} exited (${code ?? signal}) too often; giving up on it`);
        } else {
          console.error(`${app.name} exited (${code ?? signal}); restarting in 2 s`);
          setTimeout(() => run(app, i, args, restarts + 1).then(resolve), 2000);
          return;
        }
      }
      resolve(code ?? 1);
    });
  });
}

function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\nstopping (${signal})…`);
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => process.exit(1), 20000).unref();
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

(async () => {
  if (mode === 'migrate') {
    // One after another: clearer output, and they touch different schemas anyway.
    for (const [i, app] of apps.entries()) {
      if (app.name === 'chapa-sandbox') continue;
      const code = await run(app, i, ['migrate']);
      if (code !== 0) process.exit(code);
    }
    return;
  }
  console.log('tutorhub: starting', apps.map((a) => `${a.name} :${a.port}`).join(', '));
  console.log('gateway  http://127.0.0.1:3000/api  ·  docs http://127.0.0.1:3000/docs  ·  Chapa sandbox http://127.0.0.1:3099/');
  if (!process.env.ADMIN_EMAIL && !process.env.ADMIN_PASSWORD) console.log('admin    admin@tutorhub.local / tutorhub-admin-dev-password (development only)');
  const codes = await Promise.all(apps.map((app, i) => run(app, i, [])));
  process.exit(codes.some((c) => c !== 0) && !stopping ? 1 : 0);
})();
