#!/usr/bin/env node
// Docker HEALTHCHECK of every tutorhub image: GET /health/live on the app's port.
// Liveness only (no database/broker): `docker ps` should not call a container unhealthy, and an
// orchestrator should not restart it, because Postgres is down. The slim image has no curl.
'use strict';
const http = require('node:http');

/** Each app's default PORT (docs/design.md §1); deployment.spec.ts keeps it equal to the config schemas. */
const DEFAULT_PORTS = {
  gateway: 3000,
  bookings: 3001,
  sessions: 3002,
  payments: 3003,
  notifications: 3004,
  'chapa-sandbox': 3099,
};

function check(env = process.env) {
  const port = Number(env.PORT || DEFAULT_PORTS[env.APP]);
  if (!Number.isInteger(port) || port <= 0) {
    console.error(`healthcheck: no PORT set and no default port for APP=${env.APP}`);
    process.exit(1);
  }
  const req = http.get({ host: '127.0.0.1', port, path: '/health/live', timeout: 3000 }, (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  });
  req.on('timeout', () => req.destroy(new Error('timed out after 3 s')));
  req.on('error', (err) => {
    console.error(`healthcheck: ${err.message}`);
    process.exit(1);
  });
}

if (require.main === module) check();

module.exports = { DEFAULT_PORTS };
