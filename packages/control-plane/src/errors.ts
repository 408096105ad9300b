/** @module The control-plane API's error catalogue, mapped to HTTP status in one place (api/error-handler). */
import { TenantryError } from '@tenantry/core';

export const ControlPlaneErrors = {
  invalidSlug: (problem: string) => new TenantryError('INVALID_SLUG', 400, problem),
  invalidTier: (problem: string) => new TenantryError('INVALID_TIER', 400, problem),
  invalidBody: (problem: string) => new TenantryError('INVALID_BODY', 400, problem),
  unauthorized: () =>
    new TenantryError('UNAUTHORIZED', 401, 'missing or wrong admin token; send Authorization: Bearer <token from $TENANTRY_HOME/admin-token>'),
  tenantNotFound: (slug: string) => new TenantryError('TENANT_NOT_FOUND', 404, `tenant ${slug} does not exist`),
  stepNotFound: (step: string, steps: readonly string[]) =>
    new TenantryError('STEP_NOT_FOUND', 404, `step ${JSON.stringify(step)} does not exist; the steps are ${steps.join(', ')}`),
  tenantConflict: (slug: string, differences: string[]) =>
    new TenantryError(
      'TENANT_CONFLICT',
      409,
      `tenant ${slug} already exists with a different ${differences.join(' and ')}; delete it first or use another slug`,
      {
        differences,
      },
    ),
  tenantBeingDeleted: (slug: string) =>
    new TenantryError('TENANT_BEING_DELETED', 409, `tenant ${slug} is being deleted; create it again once the deletion finished`),
  tierChangeUnsupported: (slug: string, tier: string) =>
    new TenantryError(
      'TIER_CHANGE_UNSUPPORTED',
      409,
      `tenant ${slug} cannot move to the ${tier} tier yet (that moves its database and is not built); create a new tenant of that tier instead`,
    ),
  tenantNotReady: (slug: string, status: string) =>
    new TenantryError('TENANT_NOT_READY', 409, `tenant ${slug} is ${status}; its spec can change once it is ready or frozen (retry a failed tenant first)`),
  invalidQuery: (problem: string) => new TenantryError('INVALID_QUERY', 400, problem),
  invalidParam: (problem: string) => new TenantryError('INVALID_PARAMETER', 400, problem),
  noAnalytics: () => new TenantryError('NO_ANALYTICS', 503, 'this platform runs no analytics store'),
  analyticsUnavailable: (detail: string) =>
    new TenantryError(
      'ANALYTICS_UNAVAILABLE',
      503,
      `the analytics store did not answer (${detail}); the master's scheduler creates its tables at start-up, try again shortly`,
    ),
  notFound: (method: string, path: string) => new TenantryError('NOT_FOUND', 404, `no route ${method} ${path}`),
} as const;
