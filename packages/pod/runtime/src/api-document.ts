/**
 * @module The pod APIs' shared OpenAPI conventions: the one error body every 4xx/5xx carries, and
 * the error statuses every operation documents from what its schema says it takes, so the
 * document lists every status the error mapping (pod-server) can answer.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** `{"error":{"code","message"}}`: the body of every error answer (registered as `Error`). */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Any()) }),
  },
  { $id: 'Error' },
);

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The error statuses a route can answer whatever its handler does: validation, content type, body size, shutdown, and the guard. */
function generalErrorStatuses(route: RouteOptions): number[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const takesBody = methods.some((m) => WITH_BODY.has(m.toUpperCase()));
  // 400: a parameter, query or body refused by its schema (or a body that is not JSON); 403: a
  // cookie-authenticated change from another site, or a feature an admin turned off; 503: stopping.
  return [400, 403, ...(takesBody ? [413, 415] : []), 503];
}

/**
 * Adds the error answers every route can give to each route's `response` schema (those it lists
 * itself are kept), so both the OpenAPI document and the serialiser know them. Call before the
 * routes are registered.
 */
export function documentErrorResponses(app: FastifyInstance): void {
  app.addSchema(ErrorBody);
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
    if (!schema || schema.hide) return;
    const response = { ...(schema.response ?? {}) };
    for (const status of generalErrorStatuses(route)) response[status] ??= ErrorBody;
    schema.response = response;
  });
}
