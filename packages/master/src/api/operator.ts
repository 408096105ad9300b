/**
 * @module Who may operate the platform (the master only): the admin token as a bearer token, an
 * operator session the dashboard got for it (a random HttpOnly cookie backed by a row of the
 * master's database, so signing out ends it at once), or a session of one of the master's admin users.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { secretsEqual, TenantryError } from '@tenantry/core';
import {
  AuthErrors,
  ErrorBody,
  NoContent,
  cookieAttributes,
  firstHeader,
  isChange,
  readCookie,
  sameOrigin,
  type Principal,
  type SessionAuthority,
  type SessionRequest,
} from '@tenantry/pod-runtime';

export const OPERATOR_COOKIE = 'tenantry_operator';
/** How long a dashboard sign-in lasts. */
const OPERATOR_SESSION_SECONDS = 12 * 3600;

const OperatorErrors = {
  unauthorized: () =>
    new TenantryError(
      'UNAUTHORIZED',
      401,
      'sign in as an operator: send Authorization: Bearer <admin token from $TENANTRY_HOME/admin-token>, or sign in as a master admin',
    ),
  wrongToken: () => new TenantryError('UNAUTHORIZED', 401, 'wrong admin token; it is in $TENANTRY_HOME/admin-token'),
} as const;

const OperatorSignIn = Type.Object(
  { token: Type.String({ minLength: 1, description: 'the admin token ($TENANTRY_HOME/admin-token)' }) },
  { additionalProperties: false },
);

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export class OperatorAuth {
  private readonly cookieAttributes: string;

  constructor(
    private readonly adminToken: string,
    private readonly sessions: SessionAuthority,
    private readonly pool: pg.Pool,
    publicUrl: string,
  ) {
    this.cookieAttributes = cookieAttributes(publicUrl, 'Strict');
  }

  /** Opens an operator session; the browser keeps the token, the database only its hash. */
  private async openSession(): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.pool.query(`INSERT INTO operator_sessions (token_hash, expires_at) VALUES ($1, now() + make_interval(secs => $2))`, [
      tokenHash(token),
      OPERATOR_SESSION_SECONDS,
    ]);
    return token;
  }

  private async validSession(token: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM operator_sessions WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()', [
      tokenHash(token),
    ]);
    return rowCount === 1;
  }

  /** The admin of a request: the operator or a master admin user; 401/403 otherwise. */
  async require(request: SessionRequest): Promise<Principal | 'operator'> {
    const bearer = firstHeader(request.headers.authorization)
      ?.match(/^Bearer\s+(.+)$/)?.[1]
      ?.trim();
    if (bearer && secretsEqual(bearer, this.adminToken)) return 'operator';
    const cookie = readCookie(firstHeader(request.headers.cookie), OPERATOR_COOKIE);
    if (!bearer && cookie && (await this.validSession(cookie))) {
      if (isChange(request) && !sameOrigin(request, this.sessions.publicOrigin)) throw AuthErrors.crossSite();
      return 'operator';
    }
    try {
      return await this.sessions.authenticate(request, 'admin');
    } catch (err) {
      if (err instanceof TenantryError && err.code === 'UNAUTHENTICATED') throw OperatorErrors.unauthorized();
      throw err;
    }
  }

  /** The dashboard's sign-in with the admin token, and its sign-out. */
  routes(app: FastifyInstance): void {
    const tags = ['operator'];
    const signedCookie = { description: `the session cookie (${OPERATOR_COOKIE}) is set`, headers: { 'set-cookie': { type: 'string' } } };
    app.post<{ Body: Static<typeof OperatorSignIn> }>(
      '/admin/api/operator/session',
      {
        schema: {
          tags,
          summary: 'Sign in as the operator with the admin token: opens a session held in an HttpOnly cookie',
          security: [],
          body: OperatorSignIn,
          response: { 204: { ...NoContent, ...signedCookie }, 401: ErrorBody },
        },
      },
      async (request, reply) => {
        if (!secretsEqual(request.body.token, this.adminToken)) throw OperatorErrors.wrongToken();
        const token = await this.openSession();
        reply.code(204).header('set-cookie', `${OPERATOR_COOKIE}=${token}; ${this.cookieAttributes}; Max-Age=${OPERATOR_SESSION_SECONDS}`);
      },
    );
    app.delete(
      '/admin/api/operator/session',
      {
        schema: {
          tags,
          summary: "Sign out: ends the operator session of the request's cookie, and clears it",
          security: [],
          response: { 204: { ...NoContent, ...signedCookie } },
        },
      },
      async (request, reply) => {
        const cookie = readCookie(firstHeader(request.headers.cookie), OPERATOR_COOKIE);
        if (cookie) {
          // Signing out is a change: only the dashboard's own pages may end its session.
          if (!sameOrigin(request, this.sessions.publicOrigin)) throw AuthErrors.crossSite();
          await this.pool.query('UPDATE operator_sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL', [tokenHash(cookie)]);
        }
        reply.code(204).header('set-cookie', `${OPERATOR_COOKIE}=; ${this.cookieAttributes}; Max-Age=0`);
      },
    );
  }
}
