/**
 * @module The tenant's job queues (BullMQ, under the tenant's Redis prefix): what the backends
 * enqueue and the scheduler runs. Failed jobs are kept, so admins can see them.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { tenantRedisPrefix } from '@tenantry/core';
// BullMQ's scripts by hash only: a tenant's Redis login may not send a script's text.
import './scripts-by-sha.js';

export const QUEUES = { mail: 'mail', maintenance: 'maintenance' } as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * What the tenant mails. No template carries text a user typed (names included): the address may
 * not be verified yet, and whoever typed it must not be able to write to its owner in the tenant's name.
 */
export type MailJob =
  | { template: 'welcome'; to: string; signInUrl: string }
  | { template: 'email-verification'; to: string; verifyUrl: string; expiresInMinutes: number }
  | { template: 'account-exists'; to: string; signInUrl: string; resetUrl: string }
  | { template: 'password-reset'; to: string; resetUrl: string; expiresInMinutes: number }
  /**
   * A reset asked for an address, known or not: the scheduler looks the account up, so the request
   * does the same work (one enqueue) either way and its answer says nothing about the address.
   */
  | { template: 'password-reset-request'; to: string };

export interface CleanupJob {
  /** Soft-deleted rows older than this many days are purged. */
  retentionDays: number;
}

/** Retries with exponential backoff (2 s, 4 s, 8 s, …); completed jobs trimmed, failed ones kept. */
export const JOB_DEFAULTS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: false,
};

/** A Redis connection as BullMQ wants it (commands wait for a reconnect instead of failing). */
export function jobConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
}

/** Where the pod's keys live: BullMQ's prefix must be the one the tenant's Redis login may touch. */
export function jobPrefix(redisPrefix: string | undefined, tenant: string): string {
  return redisPrefix ?? tenantRedisPrefix(tenant);
}

/** Enqueues jobs for the tenant's scheduler. */
export class JobProducer {
  private readonly connection: Redis;
  private readonly mail: Queue;

  constructor(redisUrl: string, prefix: string) {
    // A request that enqueues must not wait for ever when Redis is away: fail within seconds instead.
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 3_000, lazyConnect: true });
    this.mail = new Queue(QUEUES.mail, { connection: this.connection, prefix, defaultJobOptions: JOB_DEFAULTS });
  }

  async sendMail(job: MailJob): Promise<void> {
    await this.mail.add(job.template, job);
  }

  async close(): Promise<void> {
    await this.mail.close();
    this.connection.disconnect();
  }
}
