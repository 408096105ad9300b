/** @module The tenant's frontend: renders pages on the server with the tenant's data from its user backend. */
import { readConfig, runMain, env } from '@tenantry/core';
import { createPodServer, podEnvironment, servePod } from '@tenantry/pod-runtime';
import * as z from 'zod/mini';

const schema = z.object({ ...podEnvironment, USER_BACKEND_URL: env.url(['http', 'https']) });

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

runMain(async () => {
  const config = readConfig('frontend', schema);
  const app = createPodServer({ program: 'frontend', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL });
  app.get('/*', async (_request, reply) => {
    // Server to server: the co-located user backend, not the public host.
    const response = await fetch(new URL('/api/user/config', config.USER_BACKEND_URL));
    if (!response.ok) throw new Error(`user backend answered ${response.status}`);
    const tenant = (await response.json()) as { name: string; slug: string; tier: string };
    reply.type('text/html; charset=utf-8');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(tenant.name)}</title></head>
<body><main><h1>${escapeHtml(tenant.name)}</h1><p>Tenant <code>${escapeHtml(tenant.slug)}</code> on the ${escapeHtml(tenant.tier)} tier.</p></main></body></html>\n`;
  });
  await servePod(app, config.PORT);
});
