/** @module What a tenant admin watches: jobs (failures included), usage, sent mail and the schema's migrations. */
import type { FastifyInstance } from 'fastify';
import { basicAuthRequest } from '@tenantry/core';
import { errorResponses } from '@tenantry/pod-runtime';
import { LATEST_SCHEMA_VERSION, migrateTenantDatabase } from '@tenantry/tenant-schema';
import type { AdminBackendContext } from '../context.js';
import { AdminErrors } from '../errors.js';
import {
  ADMIN_ONLY,
  ErrorBody,
  JOB_LIMIT_DEFAULT,
  JOB_STATES,
  JobParams,
  JobQuery,
  Jobs,
  MailList,
  MailMessage,
  MailParams,
  MigrationRun,
  Migrations,
  RetriedJob,
  Usage,
  type Static,
} from '../schemas.js';

export async function operationsRoutes(app: FastifyInstance, ctx: AdminBackendContext): Promise<void> {
  const { pool, queues, config } = ctx;
  app.addHook('onRequest', async (request) => {
    await ctx.requireAdmin(request);
  });

  app.get<{ Querystring: Static<typeof JobQuery> }>(
    '/admin/api/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: "The tenant's queues: counts per state and the newest jobs (failures included)",
        querystring: JobQuery,
        response: { 200: Jobs, ...ADMIN_ONLY },
      },
    },
    async (request) => {
      const { state, limit = JOB_LIMIT_DEFAULT } = request.query;
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
    },
  );

  app.post<{ Params: Static<typeof JobParams> }>(
    '/admin/api/jobs/:queue/:id/retry',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Retry a failed job',
        params: JobParams,
        response: { 202: RetriedJob, 404: ErrorBody, 409: ErrorBody, ...ADMIN_ONLY },
      },
    },
    async (request, reply) => {
      const job = await queues[request.params.queue].getJob(request.params.id);
      if (!job) throw AdminErrors.notFound('job', request.params.id);
      if ((await job.getState()) !== 'failed') throw AdminErrors.jobNotFailed(request.params.id);
      await job.retry('failed');
      reply.code(202);
      return { id: job.id, state: 'waiting' };
    },
  );

  app.get(
    '/admin/api/usage',
    { schema: { tags: ['usage'], summary: 'What the tenant holds and uses: users, records, files, sessions, jobs', response: { 200: Usage, ...ADMIN_ONLY } } },
    async () => {
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
    },
  );

  const mailbox = async (path: string) => {
    if (!config.MAIL_INBOX_URL) throw AdminErrors.noMailbox();
    const { url, authorization } = basicAuthRequest(config.MAIL_INBOX_URL);
    const response = await fetch(`${url.toString().replace(/\/$/, '')}${path}`, { headers: { authorization } });
    if (response.status === 404) return undefined;
    if (!response.ok) throw AdminErrors.mailbox(response.status);
    return response.json();
  };
  // 404: the platform has no local catcher; 502: the catcher did not answer as it should.
  const mailErrors = errorResponses(404, 502);
  app.get(
    '/admin/api/mail',
    {
      schema: {
        tags: ['mail'],
        summary: 'The mail the tenant sent, newest first (local mail catcher only)',
        response: { 200: MailList, ...mailErrors, ...ADMIN_ONLY },
      },
    },
    async () => (await mailbox('/messages')) ?? { messages: [] },
  );
  app.get<{ Params: Static<typeof MailParams> }>(
    '/admin/api/mail/:id',
    {
      schema: {
        tags: ['mail'],
        summary: 'One sent message, with its bodies',
        params: MailParams,
        response: { 200: MailMessage, ...mailErrors, ...ADMIN_ONLY },
      },
    },
    async (request) => {
      const message = await mailbox(`/messages/${request.params.id}`);
      if (!message) throw AdminErrors.notFound('message', request.params.id);
      return message;
    },
  );

  app.get(
    '/admin/api/migrations',
    {
      schema: {
        tags: ['migrations'],
        summary: "The tenant database's schema: its version, the build's latest, and every applied migration",
        response: { 200: Migrations, ...ADMIN_ONLY },
      },
    },
    async () => {
      const { rows } = await pool.query<{ version: number; name: string; applied_at: Date }>(
        'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
      );
      return {
        version: rows.at(-1)?.version ?? 0,
        latest: LATEST_SCHEMA_VERSION,
        applied: rows.map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at })),
      };
    },
  );
  app.post(
    '/admin/api/migrations/run',
    { schema: { tags: ['migrations'], summary: 'Apply the pending migrations now (a no-op when current)', response: { 200: MigrationRun, ...ADMIN_ONLY } } },
    async () => migrateTenantDatabase(config.DATABASE_URL),
  );
}
