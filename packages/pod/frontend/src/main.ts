/**
 * @module The tenant's frontend: React Router in framework mode, rendered on the server. Loaders
 * call the co-located user and admin backends at their internal URLs; the browser then calls /api.
 * On the master it is the operator dashboard.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequestListener } from '@react-router/node';
// The app, by a static import: loaded before the start gate opens (a pre-started frontend has its app in memory
// before it knows its tenant), and bundled with this program so its code is in the program's code cache.
import * as serverBuild from '#server-build';
import { createLogger, requestHostProblem, runMain } from '@tenantry/core';
import { isMetered, startPodAnalytics } from '@tenantry/pod-runtime/analytics';
import { readFrontendConfig } from './config.js';

/** The app built by `react-router build`, beside this program's package. */
const BUILD_DIR = fileURLToPath(new URL('../../build/', import.meta.url));
const CLIENT_DIR = join(BUILD_DIR, 'client');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The decoded path, or undefined when its percent-encoding is malformed (`%`, `%zz`, a broken UTF-8 sequence). */
function decodePath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch (err) {
    if (err instanceof URIError) return undefined;
    throw err;
  }
}

/** Serves a built asset (hashed names, so cached for a year); false when the path is not one. */
async function serveAsset(pathname: string, res: ServerResponse): Promise<boolean> {
  if (!pathname.startsWith('/assets/')) return false;
  const file = normalize(join(CLIENT_DIR, decodeURIComponent(pathname)));
  if (!file.startsWith(CLIENT_DIR + sep)) return false;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': 'public, max-age=31536000, immutable',
  });
  pipeline(createReadStream(file), res).catch(() => res.destroy());
  return true;
}

runMain(async () => {
  const config = readFrontendConfig();
  const log = createLogger('frontend', config.LOG_LEVEL, { program: 'frontend', tenant: config.TENANT_ID });
  const context = {
    tenant: config.TENANT_ID,
    isMaster: config.IS_MASTER,
    userBackendUrl: config.USER_BACKEND_URL,
    adminBackendUrl: config.ADMIN_BACKEND_URL,
    log,
  };
  const render = createRequestListener({ build: serverBuild, mode: 'production', getLoadContext: () => context });
  const analytics = startPodAnalytics(config);
  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (isMetered(pathname) && !pathname.startsWith('/assets/')) {
      const started = performance.now();
      res.once('finish', () => {
        analytics.record('request', {
          // Pages by their shape, not every id: /projects/:id, not one route per project.
          route: pathname.replace(/\/[0-9a-f]{8}-[0-9a-f-]{27}(?=\/|$)/g, '/:id'),
          method: req.method ?? 'GET',
          status: res.statusCode,
          latencyMs: Math.round((performance.now() - started) * 100) / 100,
        });
      });
    }
    // React Router builds the request URL from Host: a malformed one is the client's error, not a 500.
    const hostProblem = requestHostProblem(req.rawHeaders);
    if (hostProblem) {
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: { code: 'BAD_HOST', message: hostProblem } }));
      return;
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', program: 'frontend', tenant: config.TENANT_ID }));
      return;
    }
    // React Router decodes the path too, and would fail on the same input with a 500.
    if (decodePath(pathname) === undefined) {
      res
        .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
        .end('the path has a malformed percent-encoding (a % must be followed by two hex digits)\n');
      return;
    }
    serveAsset(pathname, res)
      .then((served) => (served ? undefined : render(req, res)))
      .catch((err: unknown) => {
        log.error({ err }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error in the frontend; see its log\n');
      });
  });
  server.listen(config.PORT, config.HOST, () => log.info({ port: config.PORT }, 'frontend listening'));
  const stop = () => server.close(() => void analytics.close().finally(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
