/** @module The tenant's own workers: mail (with retries) and the cleanup cron, on its BullMQ queues. */
import { Worker, Queue, type Job } from 'bullmq';
import { defaultTenantName, type Logger } from '@tenantry/core';
import {
  JOB_DEFAULTS,
  QUEUES,
  jobConnection,
  jobPrefix,
  openObjectStore,
  openTenantPool,
  type AnalyticsProducer,
  type CleanupJob,
  type MailJob,
} from '@tenantry/pod-runtime';
import { runCleanup } from './cleanup.js';
import type { SchedulerConfig } from './config.js';
import { MailSender, resolveMail } from './mail.js';

export async function startTenantJobs(config: SchedulerConfig, log: Logger, analytics: AnalyticsProducer): Promise<() => Promise<void>> {
  const prefix = jobPrefix(config.REDIS_PREFIX, config.TENANT_ID);
  const pool = openTenantPool(config.DATABASE_URL, 2);
  const store = await openObjectStore(config.STORAGE_URL);
  const mail = new MailSender(config.SMTP_URL, config.MAIL_FROM, config.TENANT_NAME ?? defaultTenantName(config.TENANT_ID));
  const connections = [jobConnection(config.REDIS_URL), jobConnection(config.REDIS_URL), jobConnection(config.REDIS_URL)];

  const mailWorker = new Worker<MailJob>(
    QUEUES.mail,
    async (job: Job<MailJob>) => {
      const sendable = await resolveMail(job.data, pool, config.TENANT_URL);
      return sendable ? mail.send(sendable) : { messageId: null };
    },
    {
      connection: connections[0]!,
      prefix,
      concurrency: config.MAIL_CONCURRENCY,
    },
  );
  const maintenance = new Queue<CleanupJob>(QUEUES.maintenance, { connection: connections[1]!, prefix, defaultJobOptions: JOB_DEFAULTS });
  const maintenanceWorker = new Worker<CleanupJob>(QUEUES.maintenance, async (job: Job<CleanupJob>) => runCleanup(pool, store, job.data.retentionDays), {
    connection: connections[2]!,
    prefix,
    concurrency: 1,
  });
  const ran = (queue: string, job: Job | undefined, outcome: 'completed' | 'failed') => {
    if (job)
      analytics.record('job', { queue, name: job.name, outcome, durationMs: Math.max(0, (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now())) });
  };
  for (const worker of [mailWorker, maintenanceWorker]) {
    worker.on('completed', (job) => ran(worker.name, job, 'completed'));
    worker.on('failed', (job, err) => {
      ran(worker.name, job, 'failed');
      log.warn({ queue: worker.name, job: job?.id, attempt: job?.attemptsMade, err: err.message }, 'job failed');
    });
    worker.on('error', (err) => log.error({ queue: worker.name, err: err.message }, 'worker error'));
  }
  await maintenance.upsertJobScheduler(
    'cleanup',
    { pattern: config.CLEANUP_CRON },
    { name: 'cleanup', data: { retentionDays: config.SOFT_DELETE_RETENTION_DAYS } },
  );
  log.info({ prefix, cleanup: config.CLEANUP_CRON }, 'tenant workers started');
  return async () => {
    await Promise.all([mailWorker.close(), maintenanceWorker.close(), maintenance.close()]);
    for (const connection of connections) connection.disconnect();
    mail.close();
    await pool.end();
  };
}
