/** @module The tenant's settings and branding (name, colour, logo, features), read by its frontend. */
import type { FastifyInstance } from 'fastify';
import type { AdminBackendContext } from '../context.js';
import { ADMIN_ONLY, Settings, SettingsChanges, type Static } from '../schemas.js';

type SettingsRow = {
  display_name: string | null;
  primary_color: string;
  logo_url: string | null;
  features: Static<typeof Settings>['features'];
  require_email_verification: boolean;
};
const settings = (r: SettingsRow) => ({
  displayName: r.display_name,
  primaryColor: r.primary_color,
  logoUrl: r.logo_url,
  features: r.features,
  requireEmailVerification: r.require_email_verification,
});
const COLUMNS = 'display_name, primary_color, logo_url, features, require_email_verification';

export async function settingsRoutes(app: FastifyInstance, ctx: AdminBackendContext): Promise<void> {
  const { pool } = ctx;
  app.addHook('onRequest', async (request) => {
    await ctx.requireAdmin(request);
  });

  app.get(
    '/admin/api/settings',
    { schema: { tags: ['settings'], summary: "The tenant's settings and branding", response: { 200: Settings, ...ADMIN_ONLY } } },
    async () => {
      const { rows } = await pool.query<SettingsRow>(`SELECT ${COLUMNS} FROM tenant_settings`);
      return settings(rows[0]!);
    },
  );

  app.patch<{ Body: Static<typeof SettingsChanges> }>(
    '/admin/api/settings',
    {
      schema: {
        tags: ['settings'],
        summary: 'Change some settings (the fields sent); answers all of them',
        body: SettingsChanges,
        response: { 200: Settings, ...ADMIN_ONLY },
      },
    },
    async (request) => {
      const b = request.body;
      const { rows } = await pool.query<SettingsRow>(
        `UPDATE tenant_settings SET
         display_name = CASE WHEN $1 THEN $2 ELSE display_name END,
         primary_color = coalesce($3, primary_color),
         logo_url = CASE WHEN $4 THEN $5 ELSE logo_url END,
         features = features || coalesce($6::jsonb, '{}'),
         require_email_verification = coalesce($7, require_email_verification),
         updated_at = now()
       RETURNING ${COLUMNS}`,
        [
          'displayName' in b,
          b.displayName ?? null,
          b.primaryColor ?? null,
          'logoUrl' in b,
          b.logoUrl ?? null,
          b.features ? JSON.stringify(b.features) : null,
          b.requireEmailVerification ?? null,
        ],
      );
      return settings(rows[0]!);
    },
  );
}
