/** @module Test support: the terraform STAND-IN (see terraform-stand-in.ts), installed as an executable in a folder. */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TerraformStandIn {
  /** The executable to give the driver as its terraform binary (its settings are written into it). */
  binary: string;
  /** The "remote backend": one state file per key. */
  stateDir: string;
  /** Makes the next applies fail (`failApplies`) or hang until killed (`hang`). */
  setFaults(faults: { failApplies?: number; hang?: boolean }): void;
  /** Every call so far: the subcommand, its flags and TF_DATA_DIR. */
  calls(): { command: string; flags: string[]; dataDir: string }[];
}

/** Installs the stand-in in `dir`; `servers` are the local Postgres and Redis that play the trial host and ElastiCache. */
export function installTerraformStandIn(dir: string, servers: { postgresUrl?: string; redisUrl?: string } = {}): TerraformStandIn {
  const stateDir = join(dir, 'backend');
  mkdirSync(stateDir, { recursive: true });
  const binary = join(dir, 'terraform');
  const script = fileURLToPath(new URL('./terraform-stand-in.js', import.meta.url));
  const faultsFile = join(dir, 'faults.json');
  writeFileSync(faultsFile, '{}');
  writeFileSync(join(stateDir, 'calls.log'), '');
  // The settings go into the executable: the driver passes terraform only an allowlist of its environment.
  const settings = {
    STAND_IN_STATE_DIR: stateDir,
    STAND_IN_FAULTS: faultsFile,
    ...(servers.postgresUrl ? { STAND_IN_POSTGRES_URL: servers.postgresUrl } : {}),
    ...(servers.redisUrl ? { STAND_IN_REDIS_URL: servers.redisUrl } : {}),
  };
  const exports = Object.entries(settings)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", "'\\''")}'\n`)
    .join('');
  writeFileSync(binary, `#!/bin/sh\n${exports}exec "${process.execPath}" "${script}" "$@"\n`);
  chmodSync(binary, 0o755);
  return {
    binary,
    stateDir,
    setFaults: (faults) => writeFileSync(faultsFile, JSON.stringify(faults)),
    calls: () =>
      readFileSync(join(stateDir, 'calls.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

export { startMockRds, type MockRds } from './mock-rds.js';
