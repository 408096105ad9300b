/** @module Sign-up, sign-in, sign-out and password reset for the tenant's own users. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TenantryError } from '@tenantry/core';
import {
  ACCOUNT_TOKENS,
  accountTokenHash,
  clientAddress,
  hashPassword,
  inTransaction,
  issueAccountToken,
  sessionCookie,
  verifyPassword,
  type MailJob,
} from '@tenantry/pod-runtime';
import type { UserBackendContext } from '../context.js';
import { UserErrors } from '../errors.js';
import { ErrorBody, Login, ResetConfirm, ResetRequest, Session, SignUp, SignUpPending, User, VerifyEmail, type Static } from '../schemas.js';

type UserRow = { id: string; email: string; name: string; role: 'admin' | 'member' };

/** No sign-in needed: the operation overrides the document's default security. */
const PUBLIC: Record<string, string[]>[] = [];

export async function authRoutes(app: FastifyInstance, ctx: UserBackendContext): Promise<void> {
  const { pool, sessions, config } = ctx;
  const ttlSeconds = config.SESSION_TTL_HOURS * 3600;
  const tags = ['auth'];

  const openSession = async (user: UserRow) => {
    const { token, expiresAt } = await sessions.issue(user.id, ttlSeconds);
    return { token, expiresAt, cookie: sessionCookie(config.TENANT_URL, token, expiresAt), user };
  };

  // Mail that cannot be queued is logged, not an error: the answer must not depend on it.
  const queueMail = (request: FastifyRequest, job: MailJob) =>
    ctx.jobs.sendMail(job).catch((err: unknown) => request.log.warn({ err, template: job.template }, 'could not queue a mail'));

  /** The answer to every sign-up that waits for a confirmed address, the taken ones included. */
  const pending = { status: 'check your mail: the link in it finishes signing up' };

  app.post<{ Body: Static<typeof SignUp> }>(
    '/api/auth/signup',
    {
      schema: {
        tags,
        summary:
          'Create an account; the first one becomes the admin. When the tenant requires verified addresses, the answer is 202 for every address (taken or not) and the link in the mail finishes it',
        security: PUBLIC,
        body: SignUp,
        response: { 201: Session, 202: SignUpPending, 403: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const { email, password, name } = request.body;
      // The master's accounts are operators: only an operator creates them (POST /admin/api/users).
      if (config.IS_MASTER) throw UserErrors.signupClosed();
      const hash = await hashPassword(password);
      const outcome = await inTransaction(pool, async (client) => {
        // One sign-up at a time decides who is first (and so the admin).
        await client.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
        const settings = await client.query<{ signup: boolean; users: number; verify: boolean }>(
          `SELECT coalesce((features->>'signup')::boolean, true) AS signup, (SELECT count(*) FROM users) AS users,
                require_email_verification AS verify FROM tenant_settings`,
        );
        const { signup, users, verify } = settings.rows[0]!;
        if (!signup && users > 0) throw UserErrors.signupClosed();
        const inserted = await client.query<UserRow>(
          `INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (lower(email)) DO NOTHING RETURNING id, email, name, role`,
          [email, name, hash, users === 0 ? 'admin' : 'member'],
        );
        const user = inserted.rows[0];
        const verifyUrl = user && verify ? await issueAccountToken(client, 'emailVerification', user.id, config.TENANT_URL) : undefined;
        // The owner of a taken address is written to at the address as stored, not as typed.
        const owner = user
          ? undefined
          : (await client.query<{ email: string }>('SELECT email FROM users WHERE lower(email) = lower($1)', [email])).rows[0]?.email;
        return { user, verify, verifyUrl, owner };
      });
      const signInUrl = new URL('/login', config.TENANT_URL).toString();
      if (outcome.verify) {
        // Taken or not, the same answer; the owner of a taken address learns of the attempt by mail.
        if (outcome.user) {
          await queueMail(request, {
            template: 'email-verification',
            to: outcome.user.email,
            verifyUrl: outcome.verifyUrl!,
            expiresInMinutes: ACCOUNT_TOKENS.emailVerification.minutes,
          });
          ctx.analytics.record('signup', { userId: outcome.user.id });
        } else {
          await queueMail(request, {
            template: 'account-exists',
            to: outcome.owner ?? email,
            signInUrl,
            resetUrl: new URL('/forgot-password', config.TENANT_URL).toString(),
          });
        }
        reply.code(202);
        return pending;
      }
      // Without verification the account is usable at once, which is why a taken address has to be said.
      if (!outcome.user) throw UserErrors.emailTaken();
      const user = outcome.user;
      await queueMail(request, { template: 'welcome', to: user.email, signInUrl });
      ctx.analytics.record('signup', { userId: user.id });
      const session = await openSession(user);
      reply.code(201).header('set-cookie', session.cookie);
      return session;
    },
  );

  app.post<{ Body: Static<typeof VerifyEmail> }>(
    '/api/auth/verify-email',
    {
      schema: {
        tags,
        summary: 'Confirm an address with the token from the mail; the account can then sign in',
        security: PUBLIC,
        body: VerifyEmail,
        response: { 204: { type: 'null' }, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const verified = await inTransaction(pool, async (client) => {
        const used = await client.query<{ user_id: string }>(
          `UPDATE email_verifications SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
          [accountTokenHash(request.body.token)],
        );
        const userId = used.rows[0]?.user_id;
        if (!userId) return false;
        await client.query('UPDATE users SET email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1', [userId]);
        return true;
      });
      if (!verified) throw UserErrors.verificationInvalid();
      reply.code(204);
    },
  );

  app.post<{ Body: Static<typeof Login> }>(
    '/api/auth/login',
    {
      schema: {
        tags,
        summary:
          'Sign in; the token also comes as an HttpOnly cookie (10 wrong passwords for an account from one address, or 50 from one address, pause that address for 15 minutes)',
        security: PUBLIC,
        body: Login,
        response: { 200: Session, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const address = clientAddress(request.raw);
      await ctx.throttle.check(request.body.email, address).catch((err: unknown) => {
        if (err instanceof TenantryError && err.details?.retryAfterSeconds) reply.header('retry-after', String(err.details.retryAfterSeconds));
        throw err;
      });
      const { rows } = await pool.query<UserRow & { password_hash: string; unverified: boolean }>(
        `SELECT id, email, name, role, password_hash,
              (email_verified_at IS NULL AND (SELECT require_email_verification FROM tenant_settings)) AS unverified
         FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL`,
        [request.body.email],
      );
      const row = rows[0];
      if (!(await verifyPassword(row?.password_hash, request.body.password)) || !row) {
        await ctx.throttle.failed(request.body.email, address);
        throw UserErrors.badCredentials();
      }
      await ctx.throttle.succeeded(request.body.email, address);
      if (row.unverified) {
        // Only the right password gets here, so saying so reveals nothing; a fresh link goes out.
        const verifyUrl = await issueAccountToken(pool, 'emailVerification', row.id, config.TENANT_URL);
        await queueMail(request, { template: 'email-verification', to: row.email, verifyUrl, expiresInMinutes: ACCOUNT_TOKENS.emailVerification.minutes });
        throw UserErrors.unverified();
      }
      await pool.query('UPDATE users SET last_login_at = now() WHERE id = $1', [row.id]);
      ctx.analytics.record('login', { userId: row.id });
      const session = await openSession({ id: row.id, email: row.email, name: row.name, role: row.role });
      reply.header('set-cookie', session.cookie);
      return session;
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: { tags, summary: 'End the current session', response: { 204: { type: 'null' }, 401: ErrorBody } },
    },
    async (request, reply) => {
      const me = await sessions.authenticate(request);
      await sessions.revoke(me.sessionId);
      reply.code(204).header('set-cookie', sessionCookie(config.TENANT_URL, undefined));
    },
  );

  app.get(
    '/api/auth/me',
    {
      schema: { tags, summary: 'The signed-in user', response: { 200: User, 401: ErrorBody } },
    },
    async (request) => {
      const me = await sessions.authenticate(request);
      return { id: me.userId, email: me.email, name: me.name, role: me.role };
    },
  );

  app.post<{ Body: Static<typeof ResetRequest> }>(
    '/api/auth/password-reset',
    {
      schema: {
        tags,
        summary: 'Mail a reset link; answers 202 whether or not the account exists',
        security: PUBLIC,
        body: ResetRequest,
        response: { 202: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async (request, reply) => {
      // The same work for every address: one enqueue. The scheduler looks the account up and mails
      // a link only if there is one, so neither the answer nor its time says whether it exists.
      await ctx.jobs.sendMail({ template: 'password-reset-request', to: request.body.email }).catch((err: unknown) => {
        request.log.error({ err }, 'could not queue the reset mail');
        throw UserErrors.mailUnavailable();
      });
      reply.code(202);
      return { status: 'if the account exists, a reset link is on its way' };
    },
  );

  app.post<{ Body: Static<typeof ResetConfirm> }>(
    '/api/auth/password-reset/confirm',
    {
      schema: {
        tags,
        summary: 'Set a new password with the token from the mail; signs out every session',
        security: PUBLIC,
        body: ResetConfirm,
        response: { 204: { type: 'null' }, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const hash = await hashPassword(request.body.password);
      await inTransaction(pool, async (client) => {
        const used = await client.query<{ user_id: string }>(
          `UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
          [accountTokenHash(request.body.token)],
        );
        const userId = used.rows[0]?.user_id;
        if (!userId) throw UserErrors.resetInvalid();
        // The link came to the address, so it is confirmed too.
        await client.query('UPDATE users SET password_hash = $2, email_verified_at = coalesce(email_verified_at, now()), updated_at = now() WHERE id = $1', [
          userId,
          hash,
        ]);
        await client.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
        // Any other link mailed to this user dies with this one.
        await client.query('UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL', [userId]);
        return userId;
      }).then(async (userId) => {
        // A new password ends the lock-out of wrong old ones.
        const { rows } = await pool.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
        if (rows[0]) await ctx.throttle.passwordChanged(rows[0].email);
      });
      reply.code(204);
    },
  );
}
