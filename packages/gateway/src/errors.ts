/** @module The gateway's error catalogue: every answer the gateway gives itself. */
import { TenantryError } from '@tenantry/core';

export const GatewayErrors = {
  missingHost: () => new TenantryError('MISSING_HOST', 400, 'the request has no Host header; send Host: <tenant>.<domain>'),
  ambiguousHost: () => new TenantryError('AMBIGUOUS_HOST', 400, 'the request has more than one Host header; send exactly one'),
  badHost: (problem: string) => new TenantryError('BAD_HOST', 400, problem),
  tooManyConnections: () =>
    new TenantryError('TOO_MANY_CONNECTIONS', 429, 'this client address has too many open connections to the gateway; close some and retry'),
  bodyTimeout: () => new TenantryError('BODY_TIMEOUT', 408, 'the request body arrived too slowly or stopped; send it whole without long pauses'),
  absoluteForm: () =>
    new TenantryError('ABSOLUTE_FORM', 400, 'the request target must be a path (origin-form), not an absolute URL; this is not a forward proxy'),
  unknownHost: (host: string) => new TenantryError('UNKNOWN_HOST', 404, `no tenant is served at ${host}`),
  notReady: (tenant: string) => new TenantryError('TENANT_NOT_READY', 503, `tenant ${tenant} is not ready yet; retry shortly`),
  noProgram: (tenant: string, path: string) => new TenantryError('NO_ROUTE', 404, `tenant ${tenant} serves nothing at ${path}`),
  upstreamUnavailable: (tenant: string) => new TenantryError('TENANT_UNAVAILABLE', 503, `tenant ${tenant} is restarting; retry shortly`),
  badGateway: (tenant: string) => new TenantryError('BAD_GATEWAY', 502, `the gateway could not pass the request to tenant ${tenant}`),
  frozen: (tenant: string) =>
    new TenantryError('TENANT_FROZEN', 503, `tenant ${tenant} is frozen: nothing of it runs; a probe does not wake it, any other request does`),
  wakeTimeout: (tenant: string, ms: number) =>
    new TenantryError('TENANT_WAKING', 503, `tenant ${tenant} was frozen and is still waking after ${ms} ms; retry shortly`),
  wakeFailed: (tenant: string, why: string) => new TenantryError('WAKE_FAILED', 503, `tenant ${tenant} was frozen and could not be woken: ${why}`),
  programStarting: (tenant: string, ms: number) =>
    new TenantryError('PROGRAM_STARTING', 503, `the program of tenant ${tenant} that serves this path is still starting after ${ms} ms; retry shortly`),
  upstreamTimeout: (tenant: string) => new TenantryError('UPSTREAM_TIMEOUT', 504, `tenant ${tenant} did not answer in time`),
} as const;
