/** @module Users and roles of the tenant, managed by its admins. */
import type { FastifyInstance } from 'fastify';
import { hashPassword, inTransaction, ROLES } from '@tenantry/pod-runtime';
import type { AdminBackendContext } from '../context.js';
import { AdminErrors } from '../errors.js';
import { ADMIN_ONLY, AdminUser, AdminUsers, ErrorBody, IdParams, NewUser, NoContent, Roles, UserChanges, type Static } from '../schemas.js';

type UserRow = { id: string; email: string; name: string; role: 'admin' | 'member'; disabled_at: Date | null; last_login_at: Date | null; created_at: Date };
const COLUMNS = 'id, email, name, role, disabled_at, last_login_at, created_at';
const user = (r: UserRow) => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  disabled: r.disabled_at !== null,
  lastLoginAt: r.last_login_at,
  createdAt: r.created_at,
});

const ROLE_DESCRIPTIONS: Record<(typeof ROLES)[number], string> = {
  admin: 'manages users, roles, settings and branding; sees jobs, mail and usage; and everything a member does',
  member: 'works with projects, tasks and files',
};

export async function userRoutes(app: FastifyInstance, ctx: AdminBackendContext): Promise<void> {
  const { pool } = ctx;
  app.addHook('onRequest', async (request) => {
    await ctx.requireAdmin(request);
  });

  const tags = ['users'];
  app.get('/admin/api/roles', { schema: { tags, summary: 'The roles a user can have', response: { 200: Roles, ...ADMIN_ONLY } } }, async () => ({
    roles: ROLES.map((name) => ({ name, description: ROLE_DESCRIPTIONS[name] })),
  }));

  app.get('/admin/api/users', { schema: { tags, summary: "The tenant's users, oldest first", response: { 200: AdminUsers, ...ADMIN_ONLY } } }, async () => {
    const { rows } = await pool.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY created_at, id`);
    return { users: rows.map(user) };
  });

  app.post<{ Body: Static<typeof NewUser> }>(
    '/admin/api/users',
    {
      schema: {
        tags,
        summary: 'Create a user (a member unless role says otherwise)',
        body: NewUser,
        response: { 201: AdminUser, 409: ErrorBody, ...ADMIN_ONLY },
      },
    },
    async (request, reply) => {
      const { email, name, role = 'member', password } = request.body;
      const hash = await hashPassword(password);
      const { rows } = await pool.query<UserRow>(
        `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4) ON CONFLICT (lower(email)) DO NOTHING RETURNING ${COLUMNS}`,
        [email, name, role, hash],
      );
      if (!rows[0]) throw AdminErrors.emailTaken();
      reply.code(201);
      return user(rows[0]);
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UserChanges> }>(
    '/admin/api/users/:id',
    {
      schema: {
        tags,
        summary: "Change a user's name or role, or disable it (its sessions end); the last enabled admin stays one",
        params: IdParams,
        body: UserChanges,
        response: { 200: AdminUser, 404: ErrorBody, 409: ErrorBody, ...ADMIN_ONLY },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { name, role, disabled } = request.body;
      return inTransaction(pool, async (client) => {
        // Serialises role changes, so two admins demoting each other cannot leave none.
        await client.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
        const { rows } = await client.query<UserRow>(
          `UPDATE users SET name = coalesce($2, name), role = coalesce($3, role),
           disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at WHEN $4 THEN coalesce(disabled_at, now()) ELSE NULL END,
           updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, name ?? null, role ?? null, disabled ?? null],
        );
        if (!rows[0]) throw AdminErrors.notFound('user', id);
        const admins = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL`);
        if (admins.rows[0]!.n === 0) throw AdminErrors.lastAdmin();
        if (disabled) await client.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [id]);
        return user(rows[0]);
      });
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/admin/api/users/:id',
    {
      schema: {
        tags,
        summary: 'Delete a user (never the last enabled admin)',
        params: IdParams,
        response: { 204: NoContent, 404: ErrorBody, 409: ErrorBody, ...ADMIN_ONLY },
      },
    },
    async (request, reply) => {
      await inTransaction(pool, async (client) => {
        await client.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
        const { rowCount } = await client.query('DELETE FROM users WHERE id = $1', [request.params.id]);
        if (rowCount === 0) throw AdminErrors.notFound('user', request.params.id);
        const admins = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL`);
        if (admins.rows[0]!.n === 0) throw AdminErrors.lastAdmin();
      });
      reply.code(204);
    },
  );
}
