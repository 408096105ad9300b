/** @module Each tenant step's log in the catalog: every progress line, capped per step, read newest first. */
import type pg from 'pg';
import { iso } from './rows.js';

/** One line of a step's log. */
export interface StepLogLine {
  at: string;
  line: string;
}

/** A step's log, oldest line first. */
export interface StepLog {
  lines: StepLogLine[];
  /** True when older lines are left out: beyond the requested limit, or dropped by the per-step cap. */
  truncated: boolean;
}

/** A line to append: its text, and when it was reported (else when it is written). */
export type NewStepLogLine = string | { line: string; at: Date };

/** Lines kept per tenant step; appending more drops the oldest. */
export const STEP_LOG_MAX_LINES = 5_000;
/** Longest line kept, in UTF-8 bytes; a longer one is cut and marked. */
export const STEP_LOG_MAX_LINE_BYTES = 4_096;

/**
 * A progress message as log lines: one per line of the message, each at most
 * STEP_LOG_MAX_LINE_BYTES (cut at a character boundary and marked), without NUL characters
 * (which Postgres text cannot hold).
 */
export function stepLogLines(message: string): string[] {
  const lines = message.replace(/\0/g, '').split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map(truncateLine);
}

function truncateLine(line: string): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most lines need no counting.
  if (line.length * 3 <= STEP_LOG_MAX_LINE_BYTES) return line;
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= STEP_LOG_MAX_LINE_BYTES) return line;
  const mark = ` … [line cut: ${bytes.length} bytes]`;
  let end = STEP_LOG_MAX_LINE_BYTES - Buffer.byteLength(mark);
  // Back to the start of a character, so nothing is cut in half.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8') + mark;
}

/** Where a step's progress goes: what the reconciler's log writer needs. */
export interface StepLogSink {
  append(slug: string, step: string, lines: readonly NewStepLogLine[], dropped?: number): Promise<void>;
}

export class StepLogs implements StepLogSink {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Appends lines to a step's log, in the order given, and makes the last one the step's `detail`.
   * Each message is split into lines and long lines are cut (see stepLogLines). The step keeps its
   * newest STEP_LOG_MAX_LINES lines: older ones are deleted in the same statement. `dropped` counts
   * lines the caller reported but left out (older than these), so a read says the log is truncated.
   * A tenant or step that does not exist (any more) gets nothing.
   */
  async append(slug: string, step: string, lines: readonly NewStepLogLine[], dropped = 0): Promise<void> {
    const now = new Date();
    const split = lines.flatMap((entry) => {
      const { line, at } = typeof entry === 'string' ? { line: entry, at: now } : entry;
      return stepLogLines(line).map((text) => ({ line: text, at }));
    });
    if (split.length === 0) return;
    const kept = split.slice(-STEP_LOG_MAX_LINES);
    const total = dropped + split.length;
    await this.pool.query(
      `WITH step AS (
         UPDATE tenant_steps SET detail = $3, log_lines = log_lines + $4 WHERE slug = $1 AND name = $2 RETURNING log_lines
       ), added AS (
         INSERT INTO tenant_step_logs (slug, step, n, at, line)
         SELECT $1, $2, step.log_lines - cardinality($5::text[]) + l.i, l.at, l.line
         FROM step, unnest($5::text[], $6::timestamptz[]) WITH ORDINALITY AS l(line, at, i)
       )
       DELETE FROM tenant_step_logs d USING step WHERE d.slug = $1 AND d.step = $2 AND d.n <= step.log_lines - $7`,
      [slug, step, kept[kept.length - 1]!.line, total, kept.map((l) => l.line), kept.map((l) => l.at.toISOString()), STEP_LOG_MAX_LINES],
    );
  }

  /**
   * A step's log, oldest line first: its newest `limit` lines (truncated says whether older ones
   * were left out). Undefined when the tenant, or that step of it, does not exist.
   */
  async read(slug: string, step: string, limit = STEP_LOG_MAX_LINES): Promise<StepLog | undefined> {
    const { rows } = await this.pool.query<{ n: string | null; at: Date | null; line: string | null }>(
      `SELECT l.n, l.at, l.line FROM tenant_steps s
       LEFT JOIN LATERAL (
         SELECT n, at, line FROM tenant_step_logs WHERE slug = s.slug AND step = s.name ORDER BY n DESC LIMIT $3
       ) l ON true
       WHERE s.slug = $1 AND s.name = $2`,
      [slug, step, limit],
    );
    if (rows.length === 0) return undefined;
    const found = rows.filter((r) => r.n !== null).reverse();
    return {
      lines: found.map((r) => ({ at: iso(r.at)!, line: r.line! })),
      // Lines are numbered from 1 per step: a first line numbered higher had older ones before it.
      truncated: found.length > 0 && Number(found[0]!.n) > 1,
    };
  }
}
