/**
 * @module A production tenant's dedicated RDS instance, stopped while the tenant is frozen and started when it
 * wakes, through the RDS API (StopDBInstance, StartDBInstance, DescribeDBInstances). The instance is the one its
 * Terraform state names (the output `database_instance_id`); a trial tenant's database is on the shared host,
 * and nothing of it is stopped. RDS starts an instance stopped for 7 days by itself; the tenant stays frozen.
 */
import { DescribeDBInstancesCommand, RDSClient, StartDBInstanceCommand, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import type { ProgressReporter } from '@tenantry/control-plane';
import { waitFor } from '@tenantry/core';

export interface RdsOptions {
  region: string;
  /** Only for a stand-in of the RDS API (tests); on AWS the endpoint comes from the region. */
  endpoint?: string | undefined;
  /** Unset, the SDK's chain (the master's own IAM role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Time for a stopped instance to be available again (RDS takes minutes). @defaultValue 15 min */
  startTimeoutMs?: number;
  /** How often its status is read while waiting. @defaultValue 10 s */
  pollIntervalMs?: number;
}

/** States from which RDS accepts the call, or in which the call has nothing to do. */
const STOPPABLE = new Set(['available', 'stopping', 'stopped']);
const STARTABLE = new Set(['stopped', 'starting', 'available']);

export class RdsInstances {
  private readonly rds: RDSClient;
  private readonly startTimeoutMs: number;
  private readonly pollIntervalMs: number;

  constructor(options: RdsOptions) {
    this.rds = new RDSClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    this.startTimeoutMs = options.startTimeoutMs ?? 15 * 60_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 10_000;
  }

  /** Stops the instance (it keeps its storage); done once RDS accepted, as stopping takes minutes and nothing waits on it. */
  async stop(id: string, progress: ProgressReporter): Promise<void> {
    // An instance busy with something else (a backup, a start) is waited for: RDS refuses to stop it meanwhile.
    const status = await this.waitForStatus(id, STOPPABLE, 'stoppable', progress);
    if (status !== 'available') {
      progress(`RDS instance ${id} is ${status} already`);
      return;
    }
    await this.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: id }));
    progress(`RDS instance ${id}: stopping (its storage kept)`);
  }

  /** Starts the instance and resolves once it is available. */
  async start(id: string, progress: ProgressReporter): Promise<void> {
    // A freeze just before may have left it stopping: it can be started only once stopped.
    const status = await this.waitForStatus(id, STARTABLE, 'startable', progress);
    if (status === 'stopped') {
      await this.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: id }));
      progress(`RDS instance ${id}: starting`);
    }
    await this.waitForStatus(id, new Set(['available']), 'available', progress);
    progress(`RDS instance ${id} is available`);
  }

  /** The instance's status, e.g. available, stopping, stopped, starting. */
  async status(id: string): Promise<string> {
    const answer = await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    const status = answer.DBInstances?.[0]?.DBInstanceStatus;
    if (!status) throw new Error(`RDS describes no instance ${id}`);
    return status;
  }

  private async waitForStatus(id: string, wanted: ReadonlySet<string>, what: string, progress: ProgressReporter): Promise<string> {
    // Read once outside the wait, so an instance RDS does not know fails at once rather than at the deadline.
    let last = await this.status(id);
    if (wanted.has(last)) return last;
    progress(`RDS instance ${id} is ${last}; waiting until it is ${what}`);
    return waitFor(
      async () => {
        const status = await this.status(id);
        if (wanted.has(status)) return status;
        if (status !== last) progress(`RDS instance ${id} is ${status}; waiting until it is ${what}`);
        last = status;
        return undefined;
      },
      { what: `RDS instance ${id} to be ${what}`, timeoutMs: this.startTimeoutMs, intervalMs: this.pollIntervalMs },
    );
  }

  close(): void {
    this.rds.destroy();
  }
}
