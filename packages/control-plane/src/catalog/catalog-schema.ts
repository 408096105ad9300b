/** @module The catalog's own schema: its versioned migrations, then step outputs sealed with the platform key. */
import type pg from 'pg';
import { migrate } from '@tenantry/pg-migrator';
import { CATALOG_MIGRATIONS, CATALOG_MIGRATIONS_TABLE } from './migrations/index.js';
import { isSealed, type OutputSeal } from './output-seal.js';

/** The advisory lock that serialises schema set-up, whichever program of the master starts first. */
const SCHEMA_LOCK = 7_366_181;

/** Brings the catalog's schema to the latest version; with a seal, seals what an older version stored in clear. */
export async function migrateCatalog(pool: pg.Pool, seal: OutputSeal | undefined): Promise<void> {
  const client = await pool.connect();
  try {
    // Held around the migrator's own hold of the same lock (advisory locks count per session), so
    // the sealing below is serialised with the migrations, as one start-up step.
    await client.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
    await migrate(client, CATALOG_MIGRATIONS, { table: CATALOG_MIGRATIONS_TABLE, lock: SCHEMA_LOCK });
    if (seal) await sealPlainOutputs(client, seal);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => undefined);
    client.release();
  }
}

/**
 * Seals the outputs a catalog from before sealing holds in clear, and checks that the key opens
 * those already sealed (a wrong key stops the start-up with SecretKeyError, not the first tenant).
 */
async function sealPlainOutputs(client: pg.PoolClient, seal: OutputSeal): Promise<void> {
  const { rows } = await client.query<{ slug: string; name: string; output: unknown }>(
    'SELECT slug, name, output FROM tenant_steps WHERE output IS NOT NULL ORDER BY slug, name',
  );
  const sealed = rows.find((row) => isSealed(row.output));
  if (sealed) seal.open(sealed.slug, sealed.name, sealed.output);
  const plain = rows.filter((r) => !isSealed(r.output));
  for (const row of plain) {
    await client.query('UPDATE tenant_steps SET output = $3 WHERE slug = $1 AND name = $2', [
      row.slug,
      row.name,
      JSON.stringify(seal.seal(row.slug, row.name, row.output)),
    ]);
  }
  // The updated rows' old versions still hold the secrets in the table's files: rewrite them away.
  if (plain.length > 0) await client.query('VACUUM FULL tenant_steps');
}
