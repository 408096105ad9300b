/** @module `tenantry migrate --all`: the tenant schema's migrations on every tenant database, with progress. */
import type { FleetMigrationEvent } from '@tenantry/control-plane';
import { CliError, EXIT } from './errors.js';
import { clientFor } from './tenants-command.js';

export interface MigrateCommand {
  json: boolean;
  url?: string | undefined;
  token?: string | undefined;
  domain?: string | undefined;
}

export async function runMigrateCommand(command: MigrateCommand): Promise<void> {
  const client = clientFor(command);
  const show = (event: FleetMigrationEvent) => {
    if (command.json) return;
    const detail =
      event.state === 'migrated'
        ? `version ${event.version}${event.applied?.length ? ` (applied ${event.applied.join(', ')})` : ' (already current)'}`
        : event.state === 'failed'
          ? `FAILED after ${event.attempt} tries: ${event.error}`
          : event.state === 'retrying'
            ? `retry ${event.attempt}`
            : 'migrating';
    process.stdout.write(`  ${event.tenant.padEnd(24)} ${detail}\n`);
  };
  const summary = await client.migrateFleet(show);
  if (command.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${summary.migrated} of ${summary.tenants} tenant(s) at schema version ${summary.targetVersion}; ${summary.failed} failed\n`);
  if (summary.failed === 0) return;
  // In JSON the summary already says which failed; the exit code says that some did.
  if (command.json) process.exitCode = EXIT.failed;
  else
    throw new CliError(
      `${summary.failed} tenant(s) failed to migrate: ${summary.results
        .filter((r) => !r.ok)
        .map((r) => `${r.tenant} (${r.error})`)
        .join(', ')}; run it again to retry them`,
      EXIT.failed,
      'MIGRATION_FAILED',
    );
}
