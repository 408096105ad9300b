/** @module The local platform's SMTP catcher: tenants send over SMTP, each reads its own mailbox over HTTP. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerError, type SMTPServerSession } from 'smtp-server';
import { TenantryError, createLogger, isTenantryError, type Logger } from '@tenantry/core';
import { isMailboxName, verifyMailCredentials } from './credentials.js';
import { MailErrors, MailboxStore } from './mailbox-store.js';

export interface MailCatcherOptions {
  /** The platform key every tenant's mail password is derived from (see `mailCredentials`). */
  key: string;
  /** Where the mailboxes are kept, one folder per tenant. */
  dataDir: string;
  /**
   * The address both servers listen on. Logins travel in clear text (no STARTTLS), which is only
   * acceptable on loopback. @defaultValue '127.0.0.1'
   */
  host?: string;
  /** 0 picks a free port. @defaultValue 0 */
  smtpPort?: number;
  /** 0 picks a free port. @defaultValue 0 */
  httpPort?: number;
  /** Largest message accepted; a larger one is refused with 552. @defaultValue 10 MiB */
  maxMessageBytes?: number;
  /** Messages kept per mailbox, the oldest removed first. @defaultValue 500 */
  maxPerMailbox?: number;
  /** @defaultValue a silent logger */
  logger?: Logger;
}

export interface MailCatcher {
  smtpPort: number;
  httpPort: number;
  /** Stops both servers; an SMTP session still sending gets a short grace period. */
  close(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** How long a stop waits for SMTP sessions and HTTP requests in flight before cutting them. */
const CLOSE_GRACE_MS = 2000;
const REALM = 'Basic realm="Tenantry mail catcher", charset="UTF-8"';

const HttpErrors = {
  unauthorized: () =>
    new TenantryError('UNAUTHORIZED', 401, "send the mailbox's credentials with HTTP Basic authentication (the tenant's SMTP user and password)"),
  forbidden: (mailbox: string) => new TenantryError('FORBIDDEN', 403, `these credentials are not for mailbox ${mailbox}`),
  notFound: (method: string, path: string) => new TenantryError('NOT_FOUND', 404, `no route ${method} ${path}`),
  methodNotAllowed: (method: string, allowed: string[]) =>
    new TenantryError('METHOD_NOT_ALLOWED', 405, `${method} is not allowed here; use ${allowed.join(' or ')}`),
  badPath: () => new TenantryError('BAD_REQUEST', 400, 'the path is not valid percent-encoding'),
} as const;

/** Starts the SMTP and HTTP servers; resolves once both are listening. */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  if (options.key.length === 0) throw new Error('the mail catcher key must not be empty');
  const host = options.host ?? '127.0.0.1';
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const logger = options.logger ?? createLogger('mail-catcher', 'silent');
  const store = new MailboxStore(options.dataDir, options.maxPerMailbox === undefined ? {} : { maxPerMailbox: options.maxPerMailbox });

  const smtp = createSmtpServer({ key: options.key, store, maxMessageBytes, logger });
  const http = createServer((req, res) => {
    handleRequest(req, res, options.key, store, logger).catch((err: unknown) => {
      logger.error({ err }, 'mailbox API request failed');
      res.destroy();
    });
  });

  const smtpPort = await listen(smtp.server, options.smtpPort ?? 0, host);
  let httpPort: number;
  try {
    httpPort = await listen(http, options.httpPort ?? 0, host);
  } catch (err) {
    await closeSmtp(smtp);
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    smtpPort,
    httpPort,
    close: () => (closing ??= Promise.all([closeSmtp(smtp), closeHttp(http)]).then(() => undefined)),
  };
}

// ---------------------------------------------------------------------------------------------
// SMTP

function createSmtpServer(context: { key: string; store: MailboxStore; maxMessageBytes: number; logger: Logger }): SMTPServer {
  const { key, store, maxMessageBytes, logger } = context;
  const smtp = new SMTPServer({
    banner: 'Tenantry mail catcher',
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    // Only ever on loopback: clear-text logins there expose nothing, and pods need no certificate.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: maxMessageBytes,
    disableReverseLookup: true,
    closeTimeout: CLOSE_GRACE_MS,
    logger: false,
    onAuth(auth, _session, callback) {
      const user = auth.username ?? '';
      if ((auth.method === 'PLAIN' || auth.method === 'LOGIN') && verifyMailCredentials(key, user, auth.password ?? '')) {
        callback(null, { user });
        return;
      }
      logger.debug({ user, method: auth.method }, 'SMTP login refused');
      callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onData(stream, session, callback) {
      receive(stream, session, { store, maxMessageBytes, logger }).then(
        (reply) => callback(null, reply),
        (err: SMTPServerError) => callback(err),
      );
    },
  });
  // Client resets and the like arrive here; without a listener they would crash the process. A
  // failure to listen arrives here too, but startMailCatcher already reports that one by rejecting.
  smtp.on('error', (err) => {
    if (smtp.server.listening) logger.warn({ err }, 'SMTP connection error');
  });
  return smtp;
}

async function receive(
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  context: { store: MailboxStore; maxMessageBytes: number; logger: Logger },
): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // The rest of an oversized message is still read (the client is sending it) but not kept.
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= context.maxMessageBytes) chunks.push(chunk);
  }
  if (stream.sizeExceeded || bytes > context.maxMessageBytes) {
    throw smtpError(552, `message exceeds the limit of ${context.maxMessageBytes} bytes`);
  }
  const mailbox: unknown = session.user;
  // authOptional is false, so this is a guard against a misconfiguration rather than a client.
  if (!isMailboxName(mailbox)) throw smtpError(530, 'Authentication required');
  try {
    const message = await context.store.save(mailbox, Buffer.concat(chunks));
    context.logger.info({ mailbox, id: message.id, size: message.size }, 'mail caught');
    return `OK: caught as ${message.id}`;
  } catch (err) {
    context.logger.error({ err, mailbox }, 'could not store a caught message');
    throw smtpError(451, 'could not store the message; try again later');
  }
}

function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

function closeSmtp(smtp: SMTPServer): Promise<void> {
  return new Promise((resolve) => smtp.close(() => resolve()));
}

// ---------------------------------------------------------------------------------------------
// HTTP mailbox API

type Route =
  { kind: 'health' } | { kind: 'messages'; mailbox: string } | { kind: 'message'; mailbox: string; id: string } | { kind: 'mailbox'; mailbox: string };

const ALLOWED_METHODS: Record<Route['kind'], string[]> = {
  health: ['GET'],
  messages: ['GET'],
  message: ['GET', 'DELETE'],
  mailbox: ['DELETE'],
};

async function handleRequest(req: IncomingMessage, res: ServerResponse, key: string, store: MailboxStore, logger: Logger): Promise<void> {
  const method = req.method ?? 'GET';
  // The raw path, not a URL-normalised one: "." and ".." segments reach the validation and are refused there.
  const path = (req.url ?? '/').split('?')[0]!;
  try {
    const route = matchRoute(path);
    if (!route) throw HttpErrors.notFound(method, path);
    const allowed = ALLOWED_METHODS[route.kind];
    if (!allowed.includes(method)) {
      res.setHeader('Allow', allowed.join(', '));
      throw HttpErrors.methodNotAllowed(method, allowed);
    }
    if (route.kind === 'health') return sendJson(res, 200, { status: 'ok' });

    const user = authenticate(req, key);
    if (user === undefined) {
      res.setHeader('WWW-Authenticate', REALM);
      throw HttpErrors.unauthorized();
    }
    if (user !== route.mailbox) throw HttpErrors.forbidden(route.mailbox);

    switch (route.kind) {
      case 'messages':
        return sendJson(res, 200, { messages: await store.list(route.mailbox) });
      case 'message':
        if (method === 'GET') return sendJson(res, 200, await store.get(route.mailbox, route.id));
        if (!(await store.delete(route.mailbox, route.id))) throw MailErrors.messageNotFound(route.mailbox, route.id);
        return sendEmpty(res);
      case 'mailbox':
        await store.clear(route.mailbox);
        return sendEmpty(res);
    }
  } catch (err) {
    if (isTenantryError(err)) return sendJson(res, err.status, { error: { code: err.code, message: err.message } });
    logger.error({ err, method, path }, 'mailbox API request failed');
    return sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error in the mail catcher; see its log' } });
  }
}

function matchRoute(path: string): Route | undefined {
  if (path === '/healthz') return { kind: 'health' };
  const raw = path.split('/');
  if (raw[0] !== '' || raw[1] !== 'mailboxes') return undefined;
  const segments = raw.slice(2).map(decodeSegment);
  const [mailbox, messages, id] = segments;
  if (mailbox === undefined || mailbox === '') return undefined;
  if (segments.length === 1) return { kind: 'mailbox', mailbox };
  if (messages !== 'messages') return undefined;
  if (segments.length === 2) return { kind: 'messages', mailbox };
  if (segments.length === 3 && id !== undefined && id !== '') return { kind: 'message', mailbox, id };
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw HttpErrors.badPath();
  }
}

/** The mailbox the request's Basic credentials open, or undefined when they are missing or wrong. */
function authenticate(req: IncomingMessage, key: string): string | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  return verifyMailCredentials(key, user, decoded.slice(colon + 1)) ? user : undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(payload);
}

function sendEmpty(res: ServerResponse): void {
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}

function closeHttp(http: Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => http.closeAllConnections(), CLOSE_GRACE_MS);
    cut.unref();
    http.close(() => {
      clearTimeout(cut);
      resolve();
    });
    http.closeIdleConnections();
  });
}

// ---------------------------------------------------------------------------------------------

function listen(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
