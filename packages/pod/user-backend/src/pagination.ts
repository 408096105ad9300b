/**
 * @module Keyset pagination, newest first: the cursor is the (created_at, id) of the last row,
 * with created_at at Postgres' full precision, so pages never skip or repeat a row.
 */
import { UserErrors } from './errors.js';

export interface PageRow {
  id: string;
  cursor_ts: string;
}

export function decodeCursor(cursor: string | undefined): { ts: string; id: string } | undefined {
  if (!cursor) return undefined;
  const [ts, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  // Postgres' text form of a timestamptz, e.g. "2026-11-26 19:50:12.123456+00".
  if (!ts || !id || !/^[0-9a-f-]{36}$/.test(id) || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/.test(ts)) throw UserErrors.invalidCursor();
  return { ts, id };
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
