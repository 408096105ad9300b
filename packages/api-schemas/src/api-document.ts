/**
 * @module The platform APIs' shared OpenAPI conventions: the one error body every 4xx/5xx carries,
 * the error statuses every operation documents from what its schema says it takes (so the document
 * lists every status the pod server's error mapping can answer), and the document's registration.
 */
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** `{"error":{"code","message"}}`: the body of every error answer (registered as `Error`). */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Any()) }),
  },
  { $id: 'Error' },
);

/** A 204: no body. */
export const NoContent = Type.Null({ description: 'no content' });

/** The `response` entries of statuses answered with the error body: `{ 401: ErrorBody, 404: ErrorBody }`. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody]));
}

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

/** How a client authenticates to an API: OpenAPI security schemes by name; a request needs any one of them. */
export type SecuritySchemes = Record<
  string,
  | { type: 'http'; scheme: 'bearer'; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; in: 'cookie' | 'header'; name: string; description?: string }
>;

export interface ApiDocumentOptions {
  /** Where the document is served, e.g. `/api/openapi.json`. */
  path: string;
  title: string;
  description: string;
  /** The origin clients reach the API at. */
  serverUrl: string;
  security: SecuritySchemes;
}

/**
 * Makes `scope` an API with its own OpenAPI 3 document, built from the schemas of the routes
 * registered in it (and its children) afterwards, and served at `options.path` (unauthenticated:
 * it says nothing the routes do not). Only tagged routes are documented. Each API gets its own
 * encapsulated scope, so two APIs served by one program have two documents.
 */
export async function serveApiDocument(scope: FastifyInstance, options: ApiDocumentOptions): Promise<void> {
  documentErrorResponses(scope);
  await scope.register(swagger, {
    openapi: {
      info: { title: options.title, version: '1.0.0', description: options.description },
      servers: [{ url: options.serverUrl }],
      components: { securitySchemes: options.security },
      security: Object.keys(options.security).map((name) => ({ [name]: [] })),
    },
    hideUntagged: true,
  });
  scope.get(options.path, { schema: { hide: true } }, async () => scope.swagger());
}
