/**
 * @module The address of the client behind a request. The platform's gateway drops any
 * X-Forwarded-For a client sends and sets its own (the peer address it saw), so only the last
 * value is trusted; a request without one came straight over the socket.
 */
import { firstHeader } from './sessions.js';

export interface AddressedRequest {
  headers: Record<string, string | string[] | undefined>;
  socket: { remoteAddress?: string | undefined };
}

export function clientAddress(request: AddressedRequest): string {
  const raw = request.headers['x-forwarded-for'];
  // The value the nearest proxy (the gateway) added is the last one, however many came.
  const forwarded = (Array.isArray(raw) ? raw.at(-1) : firstHeader(raw))?.split(',').at(-1)?.trim();
  return forwarded || request.socket.remoteAddress || 'unknown';
}
