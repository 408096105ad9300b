/**
 * @module Who may operate the platform (the master only): the admin token as a bearer token, an
 * operator session the dashboard got for it (an HttpOnly cookie that expires), or a session of one
 * of the master's admin users.
 */
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { secretsEqual, TenantryError } from '@tenantry/core';
import {
  AuthErrors, firstHeader, isChange, readCookie, sameOrigin, type Principal, type SessionAuthority, type SessionRequest,
} from '@tenantry/pod-runtime';
import * as z from 'zod/mini';

export const OPERATOR_COOKIE = 'tenantry_operator';
/** How long a dashboard sign-in lasts. */
const OPERATOR_SESSION_SECONDS = 12 * 3600;

const OperatorErrors = {
  unauthorized: () =>
    new TenantryError('UNAUTHORIZED', 401, 'sign in as an operator: send Authorization: Bearer <admin token from $TENANTRY_HOME/admin-token>, or sign in as a master admin'),
  wrongToken: () => new TenantryError('UNAUTHORIZED', 401, 'wrong admin token; it is in $TENANTRY_HOME/admin-token'),
  body: () => new TenantryError('INVALID_BODY', 400, 'send {"token": "<admin token>"}'),
} as const;

export class OperatorAuth {
  constructor(private readonly adminToken: string, private readonly sessions: SessionAuthority) {}

  /** The cookie value: its expiry and a MAC of it under the admin token (never the token itself). */
  private session(expires: number): string {
    return `${expires}.${createHmac('sha256', this.adminToken).update(`operator-session:${expires}`).digest('base64url')}`;
  }

  private validSession(value: string): boolean {
    const expires = Number(value.split('.')[0]);
    return Number.isInteger(expires) && expires * 1000 > Date.now() && secretsEqual(value, this.session(expires));
  }

  /** The admin of a request: the operator or a master admin user; 401/403 otherwise. */
  async require(request: SessionRequest): Promise<Principal | 'operator'> {
    const bearer = firstHeader(request.headers.authorization)?.match(/^Bearer\s+(.+)$/)?.[1]?.trim();
    if (bearer && secretsEqual(bearer, this.adminToken)) return 'operator';
    const cookie = readCookie(firstHeader(request.headers.cookie), OPERATOR_COOKIE);
    if (!bearer && cookie && this.validSession(cookie)) {
      if (isChange(request) && !sameOrigin(request)) throw AuthErrors.crossSite();
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
    const body = z.object({ token: z.string().check(z.minLength(1)) });
    app.post('/admin/api/operator/session', async (request, reply) => {
      const parsed = body.safeParse(request.body);
      if (!parsed.success) throw OperatorErrors.body();
      if (!secretsEqual(parsed.data.token, this.adminToken)) throw OperatorErrors.wrongToken();
      const expires = Math.floor(Date.now() / 1000) + OPERATOR_SESSION_SECONDS;
      const secure = firstHeader(request.headers['x-forwarded-proto']) === 'https' ? '; Secure' : '';
      reply.code(204).header('set-cookie', `${OPERATOR_COOKIE}=${this.session(expires)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${OPERATOR_SESSION_SECONDS}${secure}`);
    });
    app.delete('/admin/api/operator/session', async (_request, reply) => {
      reply.code(204).header('set-cookie', `${OPERATOR_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    });
  }
}
