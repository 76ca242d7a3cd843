// The V8 flags every tutorhub app runs with, wherever it runs: `npm start` (tools/run-all.cjs),
// the image's entrypoint (tools/deployment/docker-entrypoint.sh, hence Docker, compose and the
// k8s manifests), and the test and bench harnesses (libs/testing app-process.ts, the reliability
// cluster), so that what is measured is what is deployed. tools/deployment/deployment.spec.ts
// checks that the entrypoint carries the same flags.
//
// --max-semi-space-size=1 (MB): V8 otherwise grows the young generation's semi-spaces to 16 MB
// each (×3 with the copy reserve) during start-up, when everything allocates, and never shrinks
// them at idle: 25–30 MB of each app's resident memory was empty young-generation pages. The
// apps' allocations are short-lived request and message objects; with 1 MB they are collected
// by more frequent, cheaper scavenges (docs/performance.md, "Idle memory", issue 15).
// Command-line flags, not NODE_OPTIONS: an operator's NODE_OPTIONS (k8s sets
// --max-old-space-size) then adds to them instead of replacing them.
module.exports = { NODE_RUNTIME_FLAGS: ['--max-semi-space-size=1'] };
