/** @module The node agent's desired state on disk: workloads, routes and port leases survive a restart. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RouteSpec, WorkloadSpec } from '@tenantry/driver-local';
import type { ActivityRecord } from '@tenantry/gateway';
import type { Leases } from './port-leases.js';

export interface AgentStateData {
  workloads: Record<string, WorkloadSpec>;
  routes: Record<string, RouteSpec>;
  ports: Leases;
  /** Workloads kept but not running (a frozen tenant's): their spec stays, their processes are stopped. */
  suspended: string[];
  /** The gateway's record of tenants' last real requests, so idle time survives a restart. */
  activity?: ActivityRecord | undefined;
}

export class AgentStateFile {
  constructor(private readonly file: string) {}

  read(): AgentStateData {
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<AgentStateData>;
      return { workloads: data.workloads ?? {}, routes: data.routes ?? {}, ports: data.ports ?? {}, suspended: data.suspended ?? [], activity: data.activity };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { workloads: {}, routes: {}, ports: {}, suspended: [] };
      throw new Error(`the node agent state ${this.file} is unreadable: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Writes atomically (temporary file, then rename): a crash leaves the old or the new state. */
  write(data: AgentStateData): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(data, null, 1), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
