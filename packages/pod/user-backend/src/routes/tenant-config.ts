/** @module The tenant's public configuration: name, branding and features, read by its frontend on every render. */
import type { FastifyInstance } from 'fastify';
import { defaultTenantName } from '@tenantry/core';
import type { UserBackendContext } from '../context.js';
import { TenantConfig } from '../schemas.js';

export async function tenantConfigRoutes(app: FastifyInstance, ctx: UserBackendContext): Promise<void> {
  const { config, pool } = ctx;
  app.get(
    '/api/user/config',
    {
      schema: {
        tags: ['tenant'],
        summary: "The tenant's name, branding and enabled features (no sign-in needed)",
        security: [],
        response: { 200: TenantConfig },
      },
    },
    async () => {
      const { rows } = await pool.query<{ display_name: string | null; primary_color: string; logo_url: string | null; features: Record<string, boolean> }>(
        'SELECT display_name, primary_color, logo_url, features FROM tenant_settings',
      );
      const settings = rows[0];
      return {
        slug: config.TENANT_ID,
        name: settings?.display_name ?? config.TENANT_NAME ?? defaultTenantName(config.TENANT_ID),
        tier: config.TENANT_TIER,
        isMaster: config.IS_MASTER,
        branding: { primaryColor: settings?.primary_color ?? '#2563eb', logoUrl: settings?.logo_url ?? null },
        features: settings?.features ?? {},
      };
    },
  );
}
