/** @module Assembles the user backend: routes, their schemas, and the OpenAPI document generated from them. */
import swagger from '@fastify/swagger';
import { createPodServer, documentErrorResponses } from '@tenantry/pod-runtime';
import type { FastifyInstance } from 'fastify';
import type { UserBackendContext } from './context.js';
import { authRoutes } from './routes/auth.js';
import { fileRoutes } from './routes/files.js';
import { projectRoutes } from './routes/projects.js';
import { tenantConfigRoutes } from './routes/tenant-config.js';

export async function buildUserBackend(ctx: UserBackendContext): Promise<FastifyInstance> {
  const app = createPodServer({ program: 'user-backend', tenant: ctx.config.TENANT_ID, logLevel: ctx.config.LOG_LEVEL, analytics: ctx.analytics });
  documentErrorResponses(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tenant user API',
        version: '1.0.0',
        description: 'The API of one tenant: its users, projects, tasks and files. Every token is valid for this tenant only.',
      },
      servers: [{ url: ctx.config.TENANT_URL }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'tenantry_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    hideUntagged: true,
  });
  await app.register(async (scope) => tenantConfigRoutes(scope, ctx));
  await app.register(async (scope) => authRoutes(scope, ctx));
  await app.register(async (scope) => projectRoutes(scope, ctx));
  await app.register(async (scope) => fileRoutes(scope, ctx));
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
