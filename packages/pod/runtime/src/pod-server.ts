/** @module The HTTP server shared by the pod programs: JSON errors mapped in one place, health, graceful stop. */
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { isTenantryError, LOG_REDACTION, requestHostProblem } from '@tenantry/core';
import { isMetered, type AnalyticsProducer } from './analytics.js';

export interface PodServerOptions {
  program: string;
  tenant: string;
  logLevel: string;
  /** Largest request body accepted. @defaultValue 1 MiB */
  bodyLimit?: number;
  /** Records every request (route, status, latency), except health checks and the platform's probes. */
  analytics?: AnalyticsProducer;
  /** Where the log lines go. @defaultValue standard output */
  logDestination?: { write(line: string): void };
}

/**
 * A Fastify instance with `/healthz`, a JSON 404, and the one error mapping: a TenantryError keeps
 * its status and code; Fastify's own 4xx errors (bad JSON, wrong content type, body too large) keep
 * theirs with a readable message; anything else is a 500 whose details stay in the log.
 */
export function createPodServer(options: PodServerOptions): FastifyInstance {
  const app = Fastify({
    logger: {
      level: options.logLevel,
      base: { program: options.program, tenant: options.tenant },
      redact: LOG_REDACTION,
      ...(options.logDestination ? { stream: options.logDestination } : {}),
    },
    // One log line per request would dominate the cost of a small request; the gateway sees them all.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    // The router's own limit (100) answers a longer parameter with a bare 414; let the routes' schemas
    // (maxLength) refuse it instead, with a 400 that says so. Node's header limit still bounds the URL.
    maxParamLength: 16 * 1024,
    schemaController: {
      compilersFactory: {
        // Serializers are compiled on first use too (compiling every route's took most of a start).
        buildSerializer: (externalSchemas, options) => {
          const compile = serializers(externalSchemas, options);
          return (route: Parameters<typeof compile>[0]) => lazily(() => compile(route));
        },
      },
    },
  });
  // Path, query and headers are text, so they are coerced to their schema's type ("5" to 5); a JSON
  // body is not: `{"disabled": null}` or `{"name": 12}` is refused, not read as false or "12".
  // Unknown fields are an error that names them, not silently dropped (Fastify's default). Each
  // validator is compiled on its route's first request, so a program starts without compiling them all.
  const validators = AjvCompiler();
  const textInput = validators({}, { customOptions: { removeAdditional: false } });
  const jsonBody = validators({}, { customOptions: { removeAdditional: false, coerceTypes: false } });
  app.setValidatorCompiler((route) => lazily(() => (route.httpPart === 'body' ? jsonBody : textInput)(route)));
  // A malformed Host would otherwise reach code that builds URLs from it (origin checks, links).
  app.addHook('onRequest', async (request, reply) => {
    const problem = requestHostProblem(request.raw.rawHeaders);
    if (problem) return reply.code(400).send({ error: { code: 'BAD_HOST', message: problem } });
  });
  // A known path asked with a method it does not serve is a 405 that lists those it does.
  const routes: { pattern: RegExp; method: string }[] = [];
  app.addHook('onRoute', (route) => {
    const pattern = new RegExp(
      `^${route.url
        .split('/')
        .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}$`,
    );
    for (const method of [route.method].flat()) routes.push({ pattern, method });
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?')[0]!;
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length === 0) return;
    return reply
      .code(405)
      .header('allow', allowed.join(', '))
      .send({ error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}` } });
  });
  const { analytics } = options;
  // The producer's counters (published, dropped, buffered) are the program's analytics metrics.
  app.get('/healthz', async () => ({ status: 'ok', program: options.program, tenant: options.tenant, ...(analytics ? { analytics: analytics.stats() } : {}) }));
  if (analytics) {
    app.addHook('onResponse', async (request, reply) => {
      if (!isMetered(request.url)) return;
      analytics.record('request', {
        route: request.routeOptions.url ?? '(no route)',
        method: request.method,
        status: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime * 100) / 100,
      });
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404);
    return { error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } };
  });
  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    if (isTenantryError(err)) {
      reply.code(err.status);
      return err.toJSON();
    }
    const input = postgresInputProblem(err);
    if (input) {
      // A safety net: validation should have refused this input; the log says which route let it through.
      request.log.warn({ code: (err as { code?: string }).code, route: request.routeOptions.url }, 'input refused by the database');
      reply.code(400);
      return { error: { code: 'INVALID_INPUT', message: input } };
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      reply.code(status);
      return { error: { code: err.code ?? 'BAD_REQUEST', message: readableFastifyMessage(err) } };
    }
    // A client that goes away mid-request (an upload cut short) is no fault of the server: one line.
    if (isClientGone(request.raw, err)) {
      request.log.info({ method: request.method, url: request.url.split('?')[0], code: err.code }, `request abandoned by the client: ${err.message}`);
      reply.code(400);
      return { error: { code: 'REQUEST_ABORTED', message: 'the request was closed before its body was complete' } };
    }
    request.log.error({ err }, 'request failed');
    reply.code(500);
    return { error: { code: 'INTERNAL', message: `internal error in ${options.program}; see its log` } };
  });
  return app;
}

/** Postgres error classes that only bad input causes (SQLSTATE class 22, data exception), with what to fix. */
const POSTGRES_INPUT_ERRORS: Record<string, string> = {
  '22P02': 'a value is not of the expected form (such as an id that is not a UUID)',
  '22007': 'a date or time is not valid; send a calendar date such as 2026-01-31',
  '22008': 'a date or time is out of range; use a year from 1 to 9999',
  '22021': 'a text value holds a NUL character or bytes that are not UTF-8; remove them',
  '22001': 'a text value is too long',
  '22003': 'a number is out of range',
};

/** The 400 message for a database error that stems from the request's input, or undefined for any other error. */
export function postgresInputProblem(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  // pg's DatabaseError carries the SQLSTATE as `code` and the server's `severity`; nothing else has both.
  if (typeof code !== 'string' || typeof (err as { severity?: unknown }).severity !== 'string') return undefined;
  return POSTGRES_INPUT_ERRORS[code];
}

const CLIENT_GONE_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

/** True when the error comes from the client closing its connection, not from the program. */
function isClientGone(raw: IncomingMessage, err: FastifyError): boolean {
  return raw.destroyed || raw.aborted || raw.socket?.destroyed === true || CLIENT_GONE_CODES.has(err.code);
}

function readableFastifyMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'the body is not valid JSON';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the body is empty; send a JSON object';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type; send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the body is too large';
    default:
      return err.message.startsWith('body/') ? `invalid body: ${err.message}` : err.message;
  }
}

/** Listens on the pod's HOST and PORT and stops cleanly on SIGTERM/SIGINT. */
export async function servePod(
  app: FastifyInstance,
  config: { HOST: string; PORT: number },
  onStop: () => Promise<void> = async () => undefined,
): Promise<void> {
  await app.listen({ port: config.PORT, host: config.HOST });
  const stop = () => {
    app
      .close()
      .then(onStop)
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const serializers: SerializerFactory = SerializerSelector();

type Compiled = ((...args: never[]) => unknown) & { errors?: unknown };

/**
 * A function compiled on its first call, not when its route is registered: a program starts without
 * compiling every route. Fastify reads a validator's errors from the function after a failed call.
 */
function lazily<F extends Compiled>(compile: () => F): F {
  let compiled: F | undefined;
  const call = ((...args: Parameters<F>) => (compiled ??= compile())(...args)) as F;
  Object.defineProperty(call, 'errors', { get: () => compiled?.errors });
  return call;
}
