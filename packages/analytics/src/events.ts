/**
 * @module The analytics event: one envelope for every kind, versioned, with a unique id so a store
 * can write each event once however often the bus delivers it.
 */
import { randomUUID } from 'node:crypto';

export const EVENT_SCHEMA_VERSION = 1;

export const EVENT_TYPES = ['request', 'signup', 'login', 'job', 'storage'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What each type carries. */
export interface EventData {
  request: { route: string; method: string; status: number; latencyMs: number };
  signup: { userId: string };
  login: { userId: string };
  job: { queue: string; name: string; outcome: 'completed' | 'failed'; durationMs: number };
  storage: { bytes: number };
}

export interface AnalyticsEvent<T extends EventType = EventType> {
  id: string;
  tenantId: string;
  type: T;
  schemaVersion: number;
  /** When it happened, as epoch milliseconds. */
  at: number;
  data: EventData[T];
}

export function newEvent<T extends EventType>(tenantId: string, type: T, data: EventData[T], at = Date.now()): AnalyticsEvent<T> {
  return { id: randomUUID(), tenantId, type, schemaVersion: EVENT_SCHEMA_VERSION, at, data };
}

const SLUG = /^[a-z0-9-]{1,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Parses an event read from the bus; undefined when it is not one this consumer understands (a
 * newer schema version, a bad field), so one bad message never stops the stream.
 */
export function parseEvent(raw: string, expectedTenant?: string): AnalyticsEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const e = value as Partial<AnalyticsEvent>;
  if (typeof e !== 'object' || e === null) return undefined;
  if (typeof e.id !== 'string' || !UUID.test(e.id)) return undefined;
  if (typeof e.tenantId !== 'string' || !SLUG.test(e.tenantId)) return undefined;
  // The stream a tenant writes to names the tenant: an event claiming another is refused.
  if (expectedTenant !== undefined && e.tenantId !== expectedTenant) return undefined;
  if (!EVENT_TYPES.includes(e.type as EventType) || e.schemaVersion !== EVENT_SCHEMA_VERSION) return undefined;
  if (typeof e.at !== 'number' || !Number.isFinite(e.at) || typeof e.data !== 'object' || e.data === null) return undefined;
  return e as AnalyticsEvent;
}
