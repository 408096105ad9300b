/** @module The provisioning queue: BullMQ jobs in Redis, one per tenant action, consumed by the master's scheduler. */
import { createHash } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { errorMessage, type Logger } from '@tenantry/core';
import type { TenantCatalog, TenantRecord } from '../catalog/tenant-catalog.js';
import type { ProvisioningWorkflow } from './workflow.js';

export const PROVISIONING_QUEUE = 'tenantry-provisioning';

/**
 * Why a tenant is queued; every job runs the reconciler, which acts on what the catalog says. A
 * `resync` is the periodic look at a ready tenant: its own job, so a change announced meanwhile
 * (`reconcile`) never waits behind a resync's delay.
 */
export type ProvisioningAction = 'provision' | 'deprovision' | 'reconcile' | 'resync';

export interface ProvisioningJob {
  slug: string;
  action: ProvisioningAction;
}

/** A Redis connection for BullMQ (which, in ESM, takes a client instance rather than options). */
export function redisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

export class ProvisioningQueue {
  private readonly queue: Queue<ProvisioningJob>;
  private readonly connection: Redis;

  constructor(redisUrl: string) {
    this.connection = redisConnection(redisUrl);
    this.queue = new Queue<ProvisioningJob>(PROVISIONING_QUEUE, {
      connection: this.connection,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 20, backoff: { type: 'exponential', delay: 1000 } },
    });
  }

  /** Enqueues an action, to run after `delayMs`; while the same action for the same tenant is queued or running, this is a no-op. */
  async enqueue(slug: string, action: ProvisioningAction, delayMs = 0): Promise<void> {
    await this.queue.add(action, { slug, action }, { jobId: `${action}-${slug}`, ...(delayMs > 0 ? { delay: delayMs } : {}) });
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.connection.quit().catch(() => undefined);
  }
}

export interface ProvisioningWorkerOptions {
  redisUrl: string;
  /** Tenants provisioned at once by this worker. @defaultValue 4 */
  concurrency?: number;
  /** How long a job stays locked without renewal: how soon a dead worker's job is picked up again. @defaultValue 8000 */
  lockDurationMs?: number;
}

/** Consumes the provisioning queue with bounded concurrency, and enqueues every tenant again on a periodic resync. */
export class ProvisioningWorker {
  private readonly worker: Worker<ProvisioningJob>;
  private readonly queue: ProvisioningQueue;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly connection: Redis;

  constructor(
    private readonly catalog: TenantCatalog,
    workflow: ProvisioningWorkflow,
    private readonly log: Logger,
    options: ProvisioningWorkerOptions,
  ) {
    const lockDuration = options.lockDurationMs ?? 8000;
    this.queue = new ProvisioningQueue(options.redisUrl);
    this.connection = redisConnection(options.redisUrl);
    this.worker = new Worker<ProvisioningJob>(PROVISIONING_QUEUE, async (job) => workflow.reconcile(job.data.slug), {
      connection: this.connection,
      concurrency: options.concurrency ?? 4,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 100,
      autorun: false,
    });
    this.worker.on('failed', (job, err) =>
      this.log.warn({ tenant: job?.data.slug, action: job?.data.action, err: err.message }, 'provisioning job failed; it will be retried'),
    );
    this.worker.on('error', (err) => this.log.error({ err: err.message }, 'provisioning worker error'));
  }

  /**
   * Starts consuming, after enqueuing every tenant to reconcile; enqueues them all again every
   * `resyncEveryMs` (the periodic resync that finds drift nobody announced).
   */
  async start(resyncEveryMs = 30_000): Promise<void> {
    await this.resync(resyncEveryMs);
    void this.worker.run();
    this.resyncTimer = setInterval(() => {
      this.resync(resyncEveryMs).catch((err: unknown) => this.log.error({ err: errorMessage(err) }, 'resync failed'));
    }, resyncEveryMs);
    this.resyncTimer.unref();
  }

  /** Enqueues one tenant's action on this worker's queue. */
  enqueue(slug: string, action: ProvisioningAction): Promise<void> {
    return this.queue.enqueue(slug, action);
  }

  /** Enqueues every tenant the reconciler has work for or must look at (`resyncJobs`); returns how many. */
  async resync(spreadMs = 0): Promise<number> {
    const jobs = resyncJobs(await this.catalog.list(['pending', 'provisioning', 'deprovisioning', 'ready', 'frozen']), spreadMs);
    for (const job of jobs) await this.queue.enqueue(job.slug, job.action, job.delayMs);
    return jobs.length;
  }

  async close(): Promise<void> {
    clearInterval(this.resyncTimer);
    await this.worker.close();
    await this.queue.close();
    await this.connection.quit().catch(() => undefined);
  }
}

interface ResyncJob {
  slug: string;
  action: ProvisioningAction;
  delayMs: number;
}

/**
 * What a resync enqueues: unfinished tenants at once (a crash between the catalog write and the enqueue
 * loses nothing), ready ones (drift) each at its own offset within `spreadMs`, so many tenants are
 * observed a few at a time rather than all at once, each about once per resync. Failed ones wait for a
 * retry, and frozen ones meant to stay frozen are left alone: nothing of theirs runs to drift, and a
 * change to their spec has a job of its own (a thousand frozen tenants would otherwise cost the master a
 * job every 30 ms). A frozen tenant meant to be active (a wake to retry) is looked at like a ready one.
 */
export function resyncJobs(tenants: readonly Pick<TenantRecord, 'slug' | 'status' | 'spec'>[], spreadMs: number): ResyncJob[] {
  return tenants.flatMap(({ slug, status, spec }): ResyncJob[] => {
    if (status === 'failed' || (status === 'frozen' && spec.state === 'frozen')) return [];
    if (status === 'ready' || status === 'frozen') return [{ slug, action: 'resync', delayMs: resyncOffset(slug, spreadMs) }];
    return [{ slug, action: 'reconcile', delayMs: 0 }];
  });
}

/** A tenant's place in the resync interval: the same every time (so each is looked at about once per interval), spread evenly over tenants. */
export function resyncOffset(slug: string, spreadMs: number): number {
  if (spreadMs <= 0) return 0;
  return createHash('sha256').update(slug).digest().readUInt32BE(0) % spreadMs;
}
