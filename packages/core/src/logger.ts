/** @module Structured logging: one JSON line per event (pino), with secrets redacted. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Fields that hold credentials (or URLs and grants that carry them), at the top level or one level down. */
const SECRET_FIELDS = [
  'password',
  'secret',
  'token',
  'secretAccessKey',
  'sessionToken',
  'accessKeyId',
  'authorization',
  'cookie',
  'databaseUrl',
  'redisUrl',
  'env',
  'output',
  'outputs',
  'grant',
  'DATABASE_URL',
  'REDIS_URL',
  'SMTP_URL',
  'MAIL_INBOX_URL',
  'ADMIN_TOKEN',
  'TENANTRY_SECRET_KEY',
] as const;

/** Redaction paths of every logger of the platform (pino's and Fastify's). */
export const LOG_REDACT_PATHS: string[] = [
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-tenantry-admin-token"]',
  'res.headers["set-cookie"]',
];

export const LOG_REDACTION = { paths: LOG_REDACT_PATHS, censor: '[redacted]' };

export function createLogger(name: string, level = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ name, level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime, redact: LOG_REDACTION });
}
