/** @module Projects and their tasks: the tenant's B2B resources, soft-deleted and paginated. */
import type { FastifyInstance } from 'fastify';
import type { UserBackendContext } from '../context.js';
import { UserErrors } from '../errors.js';
import { featureGuard } from '../features.js';
import { pageClause, toPage, type PageRow } from '../pagination.js';
import {
  ErrorBody,
  IdParams,
  NewProject,
  PAGE_LIMIT_DEFAULT,
  NewTask,
  Page,
  Project,
  ProjectChanges,
  ProjectQuery,
  Task,
  TaskChanges,
  TaskQuery,
  type Static,
} from '../schemas.js';

type ProjectRow = PageRow & { name: string; description: string; status: string; created_by: string | null; created_at: Date; updated_at: Date };
type TaskRow = PageRow & {
  project_id: string;
  title: string;
  status: string;
  assignee_id: string | null;
  due_date: string | null;
  created_at: Date;
  updated_at: Date;
};

const PROJECT_COLUMNS = 'id, name, description, status, created_by, created_at, updated_at, created_at::text AS cursor_ts';
const TASK_COLUMNS = 'id, project_id, title, status, assignee_id, due_date, created_at, updated_at, created_at::text AS cursor_ts';

const project = (r: ProjectRow) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  status: r.status,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const task = (r: TaskRow) => ({
  id: r.id,
  projectId: r.project_id,
  title: r.title,
  status: r.status,
  assigneeId: r.assignee_id,
  dueDate: r.due_date,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** SET clause from the fields a PATCH body carries (names are the schema's, never the caller's). */
function assignments(changes: Record<string, unknown>, columns: Record<string, string>, params: unknown[]): string {
  const sets = Object.entries(changes)
    .filter(([field, value]) => columns[field] && value !== undefined)
    .map(([field, value]) => {
      params.push(value);
      return `${columns[field]} = $${params.length}`;
    });
  return [...sets, 'updated_at = now()'].join(', ');
}

export async function projectRoutes(app: FastifyInstance, ctx: UserBackendContext): Promise<void> {
  const { pool, sessions, features } = ctx;
  const unauthorized = { 401: ErrorBody, 403: ErrorBody };
  const authenticate = featureGuard(sessions, features, 'projects');

  const liveProject = async (id: string) => {
    const { rows } = await pool.query<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects WHERE id = $1 AND deleted_at IS NULL`, [id]);
    if (!rows[0]) throw UserErrors.notFound('project', id);
    return rows[0];
  };

  app.get<{ Querystring: Static<typeof ProjectQuery> }>(
    '/api/projects',
    {
      schema: { tags: ['projects'], summary: 'List projects, newest first', querystring: ProjectQuery, response: { 200: Page(Project), ...unauthorized } },
    },
    async (request) => {
      await authenticate(request);
      const { limit = PAGE_LIMIT_DEFAULT, cursor, status, q } = request.query;
      const where = ['deleted_at IS NULL'];
      const params: unknown[] = [];
      if (status) where.push(`status = $${params.push(status)}`);
      if (q) where.push(`name ILIKE $${params.push(`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
      const { rows } = await pool.query<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM projects ${pageClause(where, params, cursor, limit)}`, params);
      return toPage(rows, limit, project);
    },
  );

  app.post<{ Body: Static<typeof NewProject> }>(
    '/api/projects',
    {
      schema: { tags: ['projects'], summary: 'Create a project', body: NewProject, response: { 201: Project, ...unauthorized } },
    },
    async (request, reply) => {
      const me = await authenticate(request);
      const { name, description = '', status = 'active' } = request.body;
      const { rows } = await pool.query<ProjectRow>(
        `INSERT INTO projects (name, description, status, created_by) VALUES ($1, $2, $3, $4) RETURNING ${PROJECT_COLUMNS}`,
        [name, description, status, me.userId],
      );
      reply.code(201);
      return project(rows[0]!);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/projects/:id',
    {
      schema: { tags: ['projects'], summary: 'One project', params: IdParams, response: { 200: Project, 404: ErrorBody, ...unauthorized } },
    },
    async (request) => {
      await authenticate(request);
      return project(await liveProject(request.params.id));
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof ProjectChanges> }>(
    '/api/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: 'Change a project',
        params: IdParams,
        body: ProjectChanges,
        response: { 200: Project, 404: ErrorBody, ...unauthorized },
      },
    },
    async (request) => {
      await authenticate(request);
      const params: unknown[] = [request.params.id];
      const sets = assignments(request.body, { name: 'name', description: 'description', status: 'status' }, params);
      const { rows } = await pool.query<ProjectRow>(`UPDATE projects SET ${sets} WHERE id = $1 AND deleted_at IS NULL RETURNING ${PROJECT_COLUMNS}`, params);
      if (!rows[0]) throw UserErrors.notFound('project', request.params.id);
      return project(rows[0]);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/projects/:id',
    {
      schema: {
        tags: ['projects'],
        summary: 'Delete a project and its tasks (purged after the retention period)',
        params: IdParams,
        response: { 204: { type: 'null' }, 404: ErrorBody, ...unauthorized },
      },
    },
    async (request, reply) => {
      await authenticate(request);
      const { rowCount } = await pool.query(
        `WITH p AS (UPDATE projects SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id)
       , t AS (UPDATE tasks SET deleted_at = now() WHERE project_id IN (SELECT id FROM p) AND deleted_at IS NULL)
       SELECT id FROM p`,
        [request.params.id],
      );
      if (rowCount === 0) throw UserErrors.notFound('project', request.params.id);
      reply.code(204);
    },
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof TaskQuery> }>(
    '/api/projects/:id/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: "List a project's tasks, newest first",
        params: IdParams,
        querystring: TaskQuery,
        response: { 200: Page(Task), 404: ErrorBody, ...unauthorized },
      },
    },
    async (request) => {
      await authenticate(request);
      await liveProject(request.params.id);
      const { limit = PAGE_LIMIT_DEFAULT, cursor, status, assigneeId } = request.query;
      const params: unknown[] = [request.params.id];
      const where = ['project_id = $1', 'deleted_at IS NULL'];
      if (status) where.push(`status = $${params.push(status)}`);
      if (assigneeId) where.push(`assignee_id = $${params.push(assigneeId)}`);
      const { rows } = await pool.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks ${pageClause(where, params, cursor, limit)}`, params);
      return toPage(rows, limit, task);
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof NewTask> }>(
    '/api/projects/:id/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Add a task to a project',
        params: IdParams,
        body: NewTask,
        response: { 201: Task, 400: ErrorBody, 404: ErrorBody, ...unauthorized },
      },
    },
    async (request, reply) => {
      await authenticate(request);
      await liveProject(request.params.id);
      const { title, status = 'todo', assigneeId = null, dueDate = null } = request.body;
      const { rows } = await pool.query<TaskRow>(
        `INSERT INTO tasks (project_id, title, status, assignee_id, due_date)
       SELECT $1, $2, $3, $4, $5 WHERE $4::uuid IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $4 AND disabled_at IS NULL)
       RETURNING ${TASK_COLUMNS}`,
        [request.params.id, title, status, assigneeId, dueDate],
      );
      if (!rows[0]) throw UserErrors.notFound('user', assigneeId ?? '');
      reply.code(201);
      return task(rows[0]);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/tasks/:id',
    {
      schema: { tags: ['tasks'], summary: 'One task', params: IdParams, response: { 200: Task, 404: ErrorBody, ...unauthorized } },
    },
    async (request) => {
      await authenticate(request);
      const { rows } = await pool.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1 AND deleted_at IS NULL`, [request.params.id]);
      if (!rows[0]) throw UserErrors.notFound('task', request.params.id);
      return task(rows[0]);
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof TaskChanges> }>(
    '/api/tasks/:id',
    {
      schema: { tags: ['tasks'], summary: 'Change a task', params: IdParams, body: TaskChanges, response: { 200: Task, 404: ErrorBody, ...unauthorized } },
    },
    async (request) => {
      await authenticate(request);
      const assignee = request.body.assigneeId;
      if (assignee) {
        const { rowCount } = await pool.query('SELECT 1 FROM users WHERE id = $1 AND disabled_at IS NULL', [assignee]);
        if (rowCount === 0) throw UserErrors.notFound('user', assignee);
      }
      const params: unknown[] = [request.params.id];
      const sets = assignments(request.body, { title: 'title', status: 'status', assigneeId: 'assignee_id', dueDate: 'due_date' }, params);
      const { rows } = await pool.query<TaskRow>(`UPDATE tasks SET ${sets} WHERE id = $1 AND deleted_at IS NULL RETURNING ${TASK_COLUMNS}`, params);
      if (!rows[0]) throw UserErrors.notFound('task', request.params.id);
      return task(rows[0]);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/tasks/:id',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Delete a task (purged after the retention period)',
        params: IdParams,
        response: { 204: { type: 'null' }, 404: ErrorBody, ...unauthorized },
      },
    },
    async (request, reply) => {
      await authenticate(request);
      const { rowCount } = await pool.query('UPDATE tasks SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', [request.params.id]);
      if (rowCount === 0) throw UserErrors.notFound('task', request.params.id);
      reply.code(204);
    },
  );
}
