/**
 * @module Who may operate the platform (the master only): the admin token, sent as a bearer token
 * or kept by the dashboard in an HttpOnly cookie, or a session of one of the master's admin users.
 */
import type { FastifyInstance } from 'fastify';
import { secretsEqual, TenantryError } from '@tenantry/core';
import { AuthErrors, readCookie, type Principal, type SessionAuthority, type SessionRequest } from '@tenantry/pod-runtime';
import * as z from 'zod/mini';

export const OPERATOR_COOKIE = 'tenantry_operator';

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export class OperatorAuth {
  constructor(private readonly adminToken: string, private readonly sessions: SessionAuthority) {}

  /** The admin of a request: the operator (token) or a master admin user; 401/403 otherwise. */
  async require(request: SessionRequest): Promise<Principal | 'operator'> {
    const bearer = first(request.headers.authorization)?.match(/^Bearer\s+(.+)$/)?.[1]?.trim();
    if (bearer && secretsEqual(bearer, this.adminToken)) return 'operator';
    const cookie = readCookie(first(request.headers.cookie), OPERATOR_COOKIE);
    if (!bearer && cookie && secretsEqual(cookie, this.adminToken)) {
      if (!['GET', 'HEAD'].includes(request.method) && !sameHostOrigin(request)) throw AuthErrors.crossSite();
      return 'operator';
    }
    try {
      return await this.sessions.authenticate(request, 'admin');
    } catch (err) {
      if (err instanceof TenantryError && err.code === 'UNAUTHENTICATED') {
        throw new TenantryError('UNAUTHORIZED', 401, 'sign in as an operator: send Authorization: Bearer <admin token from $TENANTRY_HOME/admin-token>, or sign in as a master admin');
      }
      throw err;
    }
  }

  /** The dashboard's sign-in with the admin token: the token goes into an HttpOnly cookie. */
  routes(app: FastifyInstance): void {
    const body = z.object({ token: z.string().check(z.minLength(1)) });
    app.post('/admin/api/operator/session', async (request, reply) => {
      const parsed = body.safeParse(request.body);
      if (!parsed.success) throw new TenantryError('INVALID_BODY', 400, 'send {"token": "<admin token>"}');
      if (!secretsEqual(parsed.data.token, this.adminToken)) throw new TenantryError('UNAUTHORIZED', 401, 'wrong admin token; it is in $TENANTRY_HOME/admin-token');
      reply.code(204).header('set-cookie', `${OPERATOR_COOKIE}=${encodeURIComponent(parsed.data.token)}; Path=/; HttpOnly; SameSite=Strict`);
    });
    app.delete('/admin/api/operator/session', async (_request, reply) => {
      reply.code(204).header('set-cookie', `${OPERATOR_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    });
  }
}

function sameHostOrigin(request: SessionRequest): boolean {
  const origin = first(request.headers.origin);
  const host = first(request.headers['x-forwarded-host']) ?? first(request.headers.host);
  try {
    return Boolean(origin && host && new URL(origin).host === host);
  } catch {
    return false;
  }
}
