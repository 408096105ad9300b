/** @module Structured logging: one JSON line per event (pino). */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ name, level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}
