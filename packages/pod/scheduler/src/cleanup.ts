/** @module The cleanup job: expired sessions (operators' too), reset and confirmation links, and soft-deleted rows (and their files) past retention. */
import type { ObjectStore, Pool } from '@tenantry/pod-runtime';

export interface CleanupResult {
  sessions: number;
  passwordResets: number;
  emailVerifications: number;
  projects: number;
  tasks: number;
  files: number;
}

export async function runCleanup(pool: Pool, store: ObjectStore, retentionDays: number): Promise<CleanupResult> {
  const count = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rowCount ?? 0;
  const sessions = await count(`DELETE FROM sessions WHERE expires_at < now() OR revoked_at < now() - interval '1 day'`);
  const passwordResets = await count(`DELETE FROM password_resets WHERE expires_at < now()`);
  const emailVerifications = await count(`DELETE FROM email_verifications WHERE expires_at < now()`);
  // Operator sessions exist on the master only; they count with the sessions.
  const operatorSessions = await count(`DELETE FROM operator_sessions WHERE expires_at < now() OR revoked_at < now() - interval '1 day'`);
  const tasks = await count(`DELETE FROM tasks WHERE deleted_at < now() - make_interval(days => $1)`, [retentionDays]);
  const projects = await count(`DELETE FROM projects WHERE deleted_at < now() - make_interval(days => $1)`, [retentionDays]);
  // Bytes first, then the row: a crash in between leaves a row to retry, never an orphaned object.
  const expired = await pool.query<{ id: string; storage_key: string }>(
    `SELECT id, storage_key FROM files WHERE deleted_at < now() - make_interval(days => $1)`,
    [retentionDays],
  );
  for (const file of expired.rows) {
    await store.delete(file.storage_key);
    await pool.query('DELETE FROM files WHERE id = $1', [file.id]);
  }
  return { sessions: sessions + operatorSessions, passwordResets, emailVerifications, projects, tasks, files: expired.rows.length };
}
