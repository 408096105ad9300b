/** @module Sign-up, sign-in, sign-out and password reset for the tenant's own users. */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { TenantryError } from '@tenantry/core';
import { hashPassword, inTransaction, sessionCookie, verifyPassword } from '@tenantry/pod-runtime';
import type { UserBackendContext } from '../context.js';
import { UserErrors } from '../errors.js';
import { ErrorBody, Login, ResetConfirm, ResetRequest, Session, SignUp, User, type Static } from '../schemas.js';

const RESET_MINUTES = 30;
const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

type UserRow = { id: string; email: string; name: string; role: 'admin' | 'member' };

export async function authRoutes(app: FastifyInstance, ctx: UserBackendContext): Promise<void> {
  const { pool, sessions, config } = ctx;
  const ttlSeconds = config.SESSION_TTL_HOURS * 3600;
  const tags = ['auth'];

  const openSession = async (user: UserRow) => {
    const { token, expiresAt } = await sessions.issue(user.id, ttlSeconds);
    return { token, expiresAt, cookie: sessionCookie(config.TENANT_URL, token, expiresAt), user };
  };

  app.post<{ Body: Static<typeof SignUp> }>('/api/auth/signup', {
    schema: { tags, summary: 'Create an account; the first one becomes the admin', body: SignUp, response: { 201: Session, 403: ErrorBody, 409: ErrorBody } },
  }, async (request, reply) => {
    const { email, password, name } = request.body;
    // The master's accounts are operators: only an operator creates them (POST /admin/api/users).
    if (config.IS_MASTER) throw UserErrors.signupClosed();
    const hash = await hashPassword(password);
    const user = await inTransaction(pool, async (client) => {
      // One sign-up at a time decides who is first (and so the admin).
      await client.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
      const settings = await client.query<{ signup: boolean; users: number }>(
        `SELECT coalesce((features->>'signup')::boolean, true) AS signup, (SELECT count(*) FROM users) AS users FROM tenant_settings`,
      );
      const { signup, users } = settings.rows[0]!;
      if (!signup && users > 0) throw UserErrors.signupClosed();
      const inserted = await client.query<UserRow>(
        `INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (lower(email)) DO NOTHING RETURNING id, email, name, role`,
        [email, name, hash, users === 0 ? 'admin' : 'member'],
      );
      if (inserted.rowCount === 0) throw UserErrors.emailTaken();
      return inserted.rows[0]!;
    });
    // The account exists either way; a welcome mail that cannot be queued is logged, not an error.
    await ctx.jobs.sendMail({ template: 'welcome', to: user.email, name: user.name, signInUrl: new URL('/login', config.TENANT_URL).toString() })
      .catch((err: unknown) => request.log.warn({ err }, 'could not queue the welcome mail'));
    ctx.analytics.record('signup', { userId: user.id });
    const session = await openSession(user);
    reply.code(201).header('set-cookie', session.cookie);
    return session;
  });

  app.post<{ Body: Static<typeof Login> }>('/api/auth/login', {
    schema: { tags, summary: 'Sign in; the token also comes as an HttpOnly cookie (10 wrong passwords lock the account for 15 minutes)', body: Login, response: { 200: Session, 401: ErrorBody, 429: ErrorBody } },
  }, async (request, reply) => {
    await ctx.throttle.check(request.body.email).catch((err: unknown) => {
      if (err instanceof TenantryError && err.details?.retryAfterSeconds) reply.header('retry-after', String(err.details.retryAfterSeconds));
      throw err;
    });
    const { rows } = await pool.query<UserRow & { password_hash: string }>(
      'SELECT id, email, name, role, password_hash FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL',
      [request.body.email],
    );
    const row = rows[0];
    if (!(await verifyPassword(row?.password_hash, request.body.password)) || !row) {
      await ctx.throttle.failed(request.body.email);
      throw UserErrors.badCredentials();
    }
    await ctx.throttle.succeeded(request.body.email);
    await pool.query('UPDATE users SET last_login_at = now() WHERE id = $1', [row.id]);
    ctx.analytics.record('login', { userId: row.id });
    const session = await openSession({ id: row.id, email: row.email, name: row.name, role: row.role });
    reply.header('set-cookie', session.cookie);
    return session;
  });

  app.post('/api/auth/logout', {
    schema: { tags, summary: 'End the current session', response: { 204: { type: 'null' }, 401: ErrorBody } },
  }, async (request, reply) => {
    const me = await sessions.authenticate(request);
    await sessions.revoke(me.sessionId);
    reply.code(204).header('set-cookie', sessionCookie(config.TENANT_URL, undefined));
  });

  app.get('/api/auth/me', {
    schema: { tags, summary: 'The signed-in user', response: { 200: User, 401: ErrorBody } },
  }, async (request) => {
    const me = await sessions.authenticate(request);
    return { id: me.userId, email: me.email, name: me.name, role: me.role };
  });

  app.post<{ Body: Static<typeof ResetRequest> }>('/api/auth/password-reset', {
    schema: { tags, summary: 'Mail a reset link; answers 202 whether or not the account exists', body: ResetRequest, response: { 202: { type: 'object', properties: { status: { type: 'string' } } } } },
  }, async (request, reply) => {
    const { rows } = await pool.query<UserRow>('SELECT id, email, name, role FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL', [request.body.email]);
    const user = rows[0];
    if (user) {
      const token = randomBytes(32).toString('base64url');
      await pool.query(`INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(mins => $3))`, [tokenHash(token), user.id, RESET_MINUTES]);
      const resetUrl = new URL('/reset-password', config.TENANT_URL);
      resetUrl.searchParams.set('token', token);
      await ctx.jobs.sendMail({ template: 'password-reset', to: user.email, name: user.name, resetUrl: resetUrl.toString(), expiresInMinutes: RESET_MINUTES })
        .catch((err: unknown) => {
          request.log.error({ err }, 'could not queue the reset mail');
          throw UserErrors.mailUnavailable();
        });
    }
    reply.code(202);
    return { status: 'if the account exists, a reset link is on its way' };
  });

  app.post<{ Body: Static<typeof ResetConfirm> }>('/api/auth/password-reset/confirm', {
    schema: { tags, summary: 'Set a new password with the token from the mail; signs out every session', body: ResetConfirm, response: { 204: { type: 'null' }, 400: ErrorBody } },
  }, async (request, reply) => {
    const hash = await hashPassword(request.body.password);
    await inTransaction(pool, async (client) => {
      const used = await client.query<{ user_id: string }>(
        `UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
        [tokenHash(request.body.token)],
      );
      const userId = used.rows[0]?.user_id;
      if (!userId) throw UserErrors.resetInvalid();
      await client.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [userId, hash]);
      await client.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
      // Any other link mailed to this user dies with this one.
      await client.query('UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL', [userId]);
      return userId;
    }).then(async (userId) => {
      // A new password ends the lock-out of wrong old ones.
      const { rows } = await pool.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
      if (rows[0]) await ctx.throttle.succeeded(rows[0].email);
    });
    reply.code(204);
  });
}
