import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, NextFunction, Request, Response } from 'express';

export const OPENAPI_JSON_PATH = '/docs/openapi.json';
export const API_TITLE = 'tutorhub API';
export const API_VERSION = '1.0.0';

/**
 * The committed OpenAPI document, `apps/gateway/openapi.json` (from `src/http/` in the sources
 * and `dist/apps/gateway/src/http/` in the build, which tools/build.cjs copies it next to; the
 * image ships `dist/apps/gateway`). apps/gateway/test/openapi.int-spec.ts keeps it equal to the
 * document the routes describe (`npm run openapi:generate` rewrites it).
 */
export const COMMITTED_OPENAPI_PATH = join(__dirname, '..', '..', 'openapi.json');

/**
 * swagger-ui-dist's directory. Not `require('swagger-ui-dist')`: its index.js loads the 1.4 MB
 * browser bundle into the process (SwaggerModule resolves the same file, for the same reason).
 */
function swaggerUiDirectory(): string {
  return dirname(require.resolve('swagger-ui-dist/absolute-path.js'));
}

/** Swagger UI's files the page loads; nothing else of the package (its petstore page) is served. */
const SWAGGER_UI_FILES = ['swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png', 'favicon-16x16.png'];
const INIT_SCRIPT = 'swagger-ui-init.js';

/** Every path under /docs the gateway answers (configure-http.ts answers anything else there with a 404 problem). */
export function isDocsPath(path: string): boolean {
  if (path === '/docs' || path === '/docs/' || path === '/docs/index.html' || path === OPENAPI_JSON_PATH) return true;
  const file = path.startsWith('/docs/') ? path.slice('/docs/'.length) : '';
  return file === INIT_SCRIPT || SWAGGER_UI_FILES.includes(file);
}

/**
 * The page, with relative URLs so it works behind a proxy's path prefix: from `/docs` its files
 * are under `./docs/`, from `/docs/` and `/docs/index.html` under `./`. No inline script:
 * helmet's Content-Security-Policy allows same-origin script files only.
 */
function page(base: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>${API_TITLE}</title>
  <link rel="stylesheet" type="text/css" href="${base}swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="${base}index.css">
  <link rel="icon" type="image/png" href="${base}favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="${base}favicon-16x16.png" sizes="16x16">
  <style>.swagger-ui .topbar .download-url-wrapper { display: none }</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="${base}swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script src="${base}${INIT_SCRIPT}" charset="UTF-8"></script>
</body>
</html>
`;
}

/**
 * Starts Swagger UI on the document next to this script (`openapi.json`, resolved against the
 * script's own URL, so a proxy's path prefix is kept). `validatorUrl: null`: the default badge
 * is an image from validator.swagger.io, which the CSP blocks anyway.
 */
export const SWAGGER_UI_INIT_SCRIPT = `// Swagger UI on the gateway's OpenAPI document (apps/gateway/src/http/openapi-ui.ts).
(function () {
  var documentUrl = new URL('openapi.json', document.currentScript.src).href;
  window.onload = function () {
    window.ui = SwaggerUIBundle({
      url: documentUrl,
      dom_id: '#swagger-ui',
      deepLinking: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
      layout: 'StandaloneLayout',
    });
  };
})();
`;

/**
 * Swagger UI at /docs and the committed document at /docs/openapi.json (outside the /api
 * prefix), without `@nestjs/swagger`: the document is a file built ahead of time
 * (`npm run openapi:generate`), and Swagger UI is swagger-ui-dist's static files with a page
 * and an initializer of our own. Loading swagger to build the document at every start cost the
 * gateway ≈ 530 modules and most of the 20 MB it was over its idle memory goal (issue 15,
 * ADR 0021). Plain Express routes, registered after the other middleware as SwaggerModule's
 * were, so the 405 map (allowed-methods.ts) knows them.
 */
export function serveOpenApi(app: NestExpressApplication): void {
  if (!existsSync(COMMITTED_OPENAPI_PATH)) {
    // A build without the document (tools/build.cjs copies it into dist/) is a packaging mistake: say so at start.
    throw new Error(`The OpenAPI document is missing at ${COMMITTED_OPENAPI_PATH}; run \`npm run build\` (it copies apps/gateway/openapi.json into dist/).`);
  }
  const uiDirectory = swaggerUiDirectory();
  const express = app.getHttpAdapter().getInstance() as Express;
  // `dotfiles: 'allow'`: the paths are fixed here, never from the request, and a build may live
  // under a dot directory (the reliability suite's reliability/.build/), which `send` would
  // otherwise answer with 404.
  const send = (file: string) => (_req: Request, res: Response, next: NextFunction) =>
    res.sendFile(file, { dotfiles: 'allow' }, (err) => {
      if (err && !res.headersSent) next(err);
    });

  express.get(OPENAPI_JSON_PATH, send(COMMITTED_OPENAPI_PATH));
  const fromDocs = page('./docs/');
  const fromInside = page('./');
  // One route per path (not an array of paths): the request metrics label a request by its route's path string.
  for (const path of ['/docs', '/docs/index.html']) {
    express.get(path, (req: Request, res: Response) => {
      res.type('html').send(req.path === '/docs' ? fromDocs : fromInside);
    });
  }
  express.get(`/docs/${INIT_SCRIPT}`, (_req: Request, res: Response) => {
    res.type('js').send(SWAGGER_UI_INIT_SCRIPT);
  });
  for (const file of SWAGGER_UI_FILES) express.get(`/docs/${file}`, send(join(uiDirectory, file)));
}
