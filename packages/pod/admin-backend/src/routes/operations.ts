/** @module What a tenant admin watches: jobs (failures included), usage, sent mail and the schema's migrations. */
import type { FastifyInstance } from 'fastify';
import { basicAuthRequest } from '@tenantry/core';
import { LATEST_SCHEMA_VERSION, migrateTenantDatabase } from '@tenantry/tenant-schema';
import type { AdminBackendContext } from '../context.js';
import { AdminErrors } from '../errors.js';
import { JOB_STATES, JobParams, JobQuery, MailParams, type Static } from '../schemas.js';

export async function operationsRoutes(app: FastifyInstance, ctx: AdminBackendContext): Promise<void> {
  const { pool, queues, config } = ctx;
  app.addHook('onRequest', async (request) => {
    await ctx.requireAdmin(request);
  });

  app.get<{ Querystring: Static<typeof JobQuery> }>('/admin/api/jobs', { schema: { querystring: JobQuery } }, async (request) => {
    const { state, limit } = request.query;
    const states = state ? [state] : [...JOB_STATES];
    const result = await Promise.all(
      Object.entries(queues).map(async ([name, queue]) => {
        const counts = await queue.getJobCounts(...JOB_STATES);
        const jobs = await queue.getJobs(states, 0, limit - 1, false);
        return {
          name,
          counts,
          jobs: await Promise.all(
            jobs.filter(Boolean).map(async (job) => ({
              id: job.id,
              name: job.name,
              state: await job.getState(),
              attempts: job.attemptsMade,
              maxAttempts: job.opts.attempts ?? 1,
              failedReason: job.failedReason ?? null,
              createdAt: new Date(job.timestamp).toISOString(),
              finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
              result: job.returnvalue ?? null,
              // Mail addresses are personal data: show whom, not the whole payload.
              to: typeof job.data?.to === 'string' ? job.data.to : undefined,
            })),
          ),
        };
      }),
    );
    return { queues: result };
  });

  app.post<{ Params: Static<typeof JobParams> }>('/admin/api/jobs/:queue/:id/retry', { schema: { params: JobParams } }, async (request, reply) => {
    const job = await queues[request.params.queue].getJob(request.params.id);
    if (!job) throw AdminErrors.notFound('job', request.params.id);
    if ((await job.getState()) !== 'failed') throw AdminErrors.jobNotFailed(request.params.id);
    await job.retry('failed');
    reply.code(202);
    return { id: job.id, state: 'waiting' };
  });

  app.get('/admin/api/usage', async () => {
    const { rows } = await pool.query(
      `SELECT (SELECT count(*) FROM users) AS users,
              (SELECT count(*) FROM users WHERE last_login_at > now() - interval '7 days') AS "activeUsers7d",
              (SELECT count(*) FROM projects WHERE deleted_at IS NULL) AS projects,
              (SELECT count(*) FROM tasks WHERE deleted_at IS NULL) AS tasks,
              (SELECT count(*) FROM files WHERE deleted_at IS NULL) AS files,
              (SELECT coalesce(sum(size), 0) FROM files) AS "storageBytes",
              (SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > now()) AS "activeSessions"`,
    );
    const jobs = Object.fromEntries(await Promise.all(Object.entries(queues).map(async ([name, q]) => [name, await q.getJobCounts(...JOB_STATES)] as const)));
    return { ...rows[0], jobs };
  });

  const mailbox = async (path: string) => {
    if (!config.MAIL_INBOX_URL) throw AdminErrors.noMailbox();
    const { url, authorization } = basicAuthRequest(config.MAIL_INBOX_URL);
    const response = await fetch(`${url.toString().replace(/\/$/, '')}${path}`, { headers: { authorization } });
    if (response.status === 404) return undefined;
    if (!response.ok) throw AdminErrors.mailbox(response.status);
    return response.json();
  };
  app.get('/admin/api/mail', async () => (await mailbox('/messages')) ?? { messages: [] });
  app.get<{ Params: Static<typeof MailParams> }>('/admin/api/mail/:id', { schema: { params: MailParams } }, async (request) => {
    const message = await mailbox(`/messages/${request.params.id}`);
    if (!message) throw AdminErrors.notFound('message', request.params.id);
    return message;
  });

  app.get('/admin/api/migrations', async () => {
    const { rows } = await pool.query<{ version: number; name: string; applied_at: Date }>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    );
    return {
      version: rows.at(-1)?.version ?? 0,
      latest: LATEST_SCHEMA_VERSION,
      applied: rows.map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at })),
    };
  });
  app.post('/admin/api/migrations/run', async () => migrateTenantDatabase(config.DATABASE_URL));
}
