/** @module Where the admin backend's APIs are described, and how a client authenticates to a tenant's (its OpenAPI security schemes; the master's come with its API). */
import { SESSION_COOKIE, type SecuritySchemes } from '@tenantry/pod-runtime';

/** The admin API's OpenAPI document (on every pod; on the master the tenants API has its own). */
export const ADMIN_API_DOCUMENT_PATH = '/admin/api/openapi.json';

/** A tenant admin's session, as a bearer token or a cookie. */
export const TENANT_ADMIN_SECURITY = {
  bearer: { type: 'http', scheme: 'bearer', description: "an admin's session token (POST /api/auth/login)" },
  session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: "an admin's session cookie, set by signing in" },
} satisfies SecuritySchemes;
