/** @module Assembles the user backend: routes, their schemas, and the OpenAPI document generated from them. */
import { createPodServer, serveApiDocument, SESSION_COOKIE } from '@tenantry/pod-runtime';
import type { FastifyInstance } from 'fastify';
import type { UserBackendContext } from './context.js';
import { authRoutes } from './routes/auth.js';
import { fileRoutes } from './routes/files.js';
import { projectRoutes } from './routes/projects.js';
import { tenantConfigRoutes } from './routes/tenant-config.js';

/** Where the user API's OpenAPI document is served. */
export const USER_API_DOCUMENT_PATH = '/api/openapi.json';

export async function buildUserBackend(ctx: UserBackendContext): Promise<FastifyInstance> {
  const app = createPodServer({ program: 'user-backend', tenant: ctx.config.TENANT_ID, logLevel: ctx.config.LOG_LEVEL, analytics: ctx.analytics });
  await serveApiDocument(app, {
    path: USER_API_DOCUMENT_PATH,
    title: 'Tenant user API',
    description: 'The API of one tenant: its users, projects, tasks and files. Every token is valid for this tenant only.',
    serverUrl: ctx.config.TENANT_URL,
    security: {
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
    },
  });
  await app.register(async (scope) => tenantConfigRoutes(scope, ctx));
  await app.register(async (scope) => authRoutes(scope, ctx));
  await app.register(async (scope) => projectRoutes(scope, ctx));
  await app.register(async (scope) => fileRoutes(scope, ctx));
  return app;
}
