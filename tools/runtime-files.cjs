// Committed files outside a src/ directory that an app reads at run time, copied next to the
// compiled code by every build (tools/build.cjs for dist/, reliability/support/build.cjs for the
// suites' private builds). The gateway serves its OpenAPI document from
// <build>/apps/gateway/openapi.json (COMMITTED_OPENAPI_PATH in apps/gateway/src/http/openapi-ui.ts);
// the image ships dist/apps/gateway with it.
module.exports = { RUNTIME_FILES: ['apps/gateway/openapi.json'] };
