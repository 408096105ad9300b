/** @module Where the admin backend's APIs are described, and how a client authenticates to each (their OpenAPI security schemes). */
import { SESSION_COOKIE, type SecuritySchemes } from '@tenantry/pod-runtime';
import { OPERATOR_COOKIE } from './operator.js';

/** The admin API's OpenAPI document (on every pod; on the master the tenants API has its own). */
export const ADMIN_API_DOCUMENT_PATH = '/admin/api/openapi.json';

/** A tenant admin's session (bearer token or cookie); on the master also the operator's admin token or dashboard cookie. */
export function adminApiSecurity(isMaster: boolean): SecuritySchemes {
  return {
    bearer: {
      type: 'http',
      scheme: 'bearer',
      description: isMaster
        ? 'the admin token ($TENANTRY_HOME/admin-token), or the session token of a master admin (POST /api/auth/login)'
        : "an admin's session token (POST /api/auth/login)",
    },
    session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: "an admin's session cookie, set by signing in" },
    ...(isMaster
      ? { operator: { type: 'apiKey', in: 'cookie', name: OPERATOR_COOKIE, description: 'the dashboard session cookie (POST /admin/api/operator/session)' } }
      : {}),
  } satisfies SecuritySchemes;
}
