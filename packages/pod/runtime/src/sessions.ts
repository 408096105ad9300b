/**
 * @module Sessions of a tenant's users: JWTs signed with a key kept in the tenant's own database,
 * addressed to the tenant (audience), and backed by a session row so logout and disabling a user
 * take effect at once. Tenant A's token fails on tenant B twice over: another key, another audience.
 */
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type pg from 'pg';
import { TenantryError } from '@tenantry/core';

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

/** The signed-in user of a request. */
export interface Principal {
  userId: string;
  sessionId: string;
  role: Role;
  email: string;
  name: string;
}

/** The cookie browsers carry; host-only, so it never reaches another tenant's host. */
export const SESSION_COOKIE = 'tenantry_session';
const ISSUER = 'tenantry';

export const AuthErrors = {
  unauthenticated: () => new TenantryError('UNAUTHENTICATED', 401, 'sign in first: send "Authorization: Bearer <token>" or the session cookie'),
  invalidToken: () => new TenantryError('INVALID_TOKEN', 401, 'the session token is not valid for this tenant, or it has expired; sign in again'),
  forbidden: (role: Role) => new TenantryError('FORBIDDEN', 403, `this needs the ${role} role`),
  crossSite: () =>
    new TenantryError('CROSS_SITE_REQUEST', 403, "a cookie-authenticated change must come from the tenant's own pages (Origin does not match Host)"),
} as const;

/** Just what session checks need from a request, so the module does not depend on one web framework. */
export interface SessionRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

export class SessionAuthority {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly tenant: string,
    private readonly keyId: string,
    private readonly keys: Map<string, Uint8Array>,
    /** The tenant's public origin (from TENANT_URL): the only Origin a cookie-authenticated change may come from. */
    readonly publicOrigin: string,
  ) {}

  /** Loads the tenant's signing keys; the newest signs, every one still verifies (rotation). */
  static async load(pool: pg.Pool, tenant: string, publicUrl: string): Promise<SessionAuthority> {
    const { rows } = await pool.query<{ id: string; secret: Buffer }>('SELECT id, secret FROM signing_keys ORDER BY created_at DESC');
    if (rows.length === 0) throw new Error('the tenant database has no signing key; run its migrations');
    return new SessionAuthority(pool, tenant, rows[0]!.id, new Map(rows.map((r) => [r.id, new Uint8Array(r.secret)])), new URL(publicUrl).origin);
  }

  /** Opens a session for the user and returns its bearer token. */
  async issue(userId: string, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const { rows } = await this.pool.query<{ id: string }>('INSERT INTO sessions (user_id, expires_at) VALUES ($1, $2) RETURNING id', [userId, expiresAt]);
    const token = await new SignJWT({ sid: rows[0]!.id })
      .setProtectedHeader({ alg: 'HS256', kid: this.keyId })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(this.tenant)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(this.keys.get(this.keyId)!);
    return { token, expiresAt };
  }

  /** The principal of a token: signature, audience, expiry, then a live session and an enabled user. */
  async verify(token: string): Promise<Principal> {
    let sessionId: string;
    let userId: string;
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? this.keys.get(header.kid) : undefined;
          if (!key) throw AuthErrors.invalidToken();
          return key;
        },
        { issuer: ISSUER, audience: this.tenant, algorithms: ['HS256'] },
      );
      if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') throw AuthErrors.invalidToken();
      sessionId = payload.sid;
      userId = payload.sub;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError || err instanceof TenantryError) throw AuthErrors.invalidToken();
      throw err;
    }
    const { rows } = await this.pool.query<{ role: Role; email: string; name: string }>(
      `SELECT u.role, u.email, u.name FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL`,
      [sessionId, userId],
    );
    const row = rows[0];
    if (!row) throw AuthErrors.invalidToken();
    return { userId, sessionId, role: row.role, email: row.email, name: row.name };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.pool.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [sessionId]);
  }

  /**
   * The principal of a request, from its bearer token or session cookie. A change (not GET/HEAD)
   * authenticated by the cookie must carry the tenant's own Origin (scheme, host and port): other
   * tenants' pages are same-site, so SameSite alone would not stop them.
   */
  async authenticate(request: SessionRequest, role?: Role): Promise<Principal> {
    const header = firstHeader(request.headers.authorization);
    let token: string | undefined;
    if (header?.startsWith('Bearer ')) token = header.slice(7).trim();
    else {
      token = readCookie(firstHeader(request.headers.cookie), SESSION_COOKIE);
      if (token && isChange(request) && !sameOrigin(request, this.publicOrigin)) throw AuthErrors.crossSite();
    }
    if (!token) throw AuthErrors.unauthenticated();
    const principal = await this.verify(token);
    if (role === 'admin' && principal.role !== 'admin') throw AuthErrors.forbidden('admin');
    return principal;
  }
}

/** The first value of a header that may have come more than once. */
export const firstHeader = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Whether the request's Origin is the tenant's public origin, scheme and port included: a page
 * served over plain http (or on another port) of the same host is another origin.
 */
export function sameOrigin(request: SessionRequest, publicOrigin: string): boolean {
  const origin = firstHeader(request.headers.origin);
  if (!origin) return false;
  try {
    return new URL(origin).origin === new URL(publicOrigin).origin;
  } catch (err) {
    if (err instanceof TypeError) return false;
    throw err;
  }
}

/** Whether a request changes something (so a cookie alone must not authorise it from another site). */
export const isChange = (request: SessionRequest) => !['GET', 'HEAD', 'OPTIONS'].includes(request.method);

/** The cookie attributes for a tenant served at `publicUrl`: Secure whenever it is served over https. */
export function cookieAttributes(publicUrl: string, sameSite: 'Lax' | 'Strict'): string {
  return `Path=/; HttpOnly; SameSite=${sameSite}${new URL(publicUrl).protocol === 'https:' ? '; Secure' : ''}`;
}

/** The Set-Cookie value that stores (or, with no token, clears) the session in the browser. */
export function sessionCookie(publicUrl: string, token: string | undefined, expiresAt?: Date): string {
  const attributes = cookieAttributes(publicUrl, 'Lax');
  if (!token) return `${SESSION_COOKIE}=; ${attributes}; Max-Age=0`;
  const maxAge = Math.max(0, Math.floor(((expiresAt?.getTime() ?? Date.now()) - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; ${attributes}; Max-Age=${maxAge}`;
}
