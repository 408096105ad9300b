/**
 * @module Keyset pagination, newest first: the cursor is the (created_at, id) of the last row,
 * with created_at at Postgres' full precision, so pages never skip or repeat a row.
 */
import { isValidCalendarDate } from '@tenantry/core';
import { UserErrors } from './errors.js';

export interface PageRow {
  id: string;
  cursor_ts: string;
}

const CURSOR_TS = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d{1,6})?([+-])(\d\d)(?::(\d\d))?$/;
const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Decodes a cursor and checks every part (a real calendar date and time, a UTC offset, a UUID), so a
 * forged cursor is a 400 here, never a database error.
 */
export function decodeCursor(cursor: string | undefined): { ts: string; id: string } | undefined {
  if (!cursor) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw UserErrors.invalidCursor();
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const [ts, id] = parts;
  // Postgres' text form of a timestamptz, e.g. "2026-11-26 19:50:12.123456+00".
  const time = parts.length === 2 && ts && id && CURSOR_ID.test(id) ? CURSOR_TS.exec(ts) : null;
  if (!time) throw UserErrors.invalidCursor();
  const [year, month, day, hour, minute, second, , , offsetHours, offsetMinutes] = time.slice(1).map((part) => Number(part ?? 0));
  const valid = isValidCalendarDate(year!, month!, day!) && hour! < 24 && minute! < 60 && second! < 60 && offsetHours! <= 15 && offsetMinutes! < 60;
  if (!valid) throw UserErrors.invalidCursor();
  return { ts: ts!, id: id! };
}

/** Appends the cursor condition, ordering and limit (one extra row to know whether a next page exists). */
export function pageClause(where: string[], params: unknown[], cursor: string | undefined, limit: number): string {
  const after = decodeCursor(cursor);
  if (after) {
    params.push(after.ts, after.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  return `WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`;
}

export function toPage<R extends PageRow, T>(rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map(map),
    nextCursor: more && last ? Buffer.from(`${last.cursor_ts}|${last.id}`).toString('base64url') : null,
  };
}
