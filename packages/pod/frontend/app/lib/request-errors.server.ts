/**
 * @module How the frontend logs what went wrong with a request: an expected client error (a 4xx
 * page, a request the browser abandoned) is one short line; only a server fault gets a stack.
 */
import { isRouteErrorResponse } from 'react-router';
import type { FrontendContext } from '../context.js';

export function logRequestError(context: Pick<FrontendContext, 'log'>, request: Request, error: unknown): void {
  const path = new URL(request.url).pathname;
  if (request.signal.aborted) {
    context.log.info({ method: request.method, path }, 'request abandoned by the client');
    return;
  }
  if (isRouteErrorResponse(error) && error.status < 500) {
    context.log.info({ method: request.method, path, status: error.status }, `client error: ${error.statusText || error.status}`);
    return;
  }
  // A 502 from a backend is a fault here too, but its cause is in that backend's log: no stack.
  if (isRouteErrorResponse(error)) {
    context.log.warn({ method: request.method, path, status: error.status, reason: typeof error.data === 'string' ? error.data : undefined }, 'request failed');
    return;
  }
  context.log.error({ err: error, method: request.method, path }, 'request failed');
}
