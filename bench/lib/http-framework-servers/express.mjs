// Express 5 variant of the projects API measured by bench/http-framework.mjs. Kept equivalent to
// fastify.mjs: same routes, statuses, bodies and headers (no ETag, no X-Powered-By), same pg.Pool.
// Validation is hand-written (the cheapest option for Express; a library such as zod would add cost).
//
//   PORT=<port> DATABASE_URL=<postgres url> node bench/lib/http-framework-servers/express.mjs
import express from 'express';
import pg from 'pg';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const COLUMNS = 'id, name, description, created_at';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', (err) => console.error('pool error', err));

/** Length in code points, as JSON Schema's minLength/maxLength count. */
const lengthOf = (s) => (s.length <= 1 ? s.length : [...s].length);
const withinLength = (s, min, max) => s.length >= min && (s.length <= max || lengthOf(s) <= max);

function invalidBody(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body must be an object';
  if (typeof body.name !== 'string') return "body must have required property 'name' of type string";
  if (!withinLength(body.name, 1, 200)) return 'body/name must be 1 to 200 characters';
  if (body.description !== undefined && typeof body.description !== 'string') return 'body/description must be string';
  if (body.description !== undefined && !withinLength(body.description, 0, 2000)) return 'body/description must be at most 2000 characters';
  return undefined;
}

const error = (res, status, code, message) => res.status(status).json({ error: { code, message } });

const app = express();
app.disable('x-powered-by');
app.set('etag', false);

app.get('/api/health', (req, res) => {
  res.json({ status: 'ok' });
});

app.get('/api/projects/:id', async (req, res) => {
  const { id } = req.params;
  if (!UUID.test(id)) return error(res, 400, 'VALIDATION', 'params/id must be a UUID');
  const { rows } = await pool.query(`SELECT ${COLUMNS} FROM projects WHERE id = $1`, [id]);
  if (rows.length === 0) return error(res, 404, 'NOT_FOUND', `no project ${id}`);
  res.json(rows[0]);
});

app.post('/api/projects', express.json({ limit: '1mb' }), async (req, res) => {
  if (req.body === undefined) return error(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported content type; send application/json');
  const problem = invalidBody(req.body);
  if (problem) return error(res, 400, 'VALIDATION', problem);
  const { rows } = await pool.query(`INSERT INTO projects (name, description) VALUES ($1, $2) RETURNING ${COLUMNS}`, [
    req.body.name,
    req.body.description ?? null,
  ]);
  res.status(201).json(rows[0]);
});

app.use((req, res) => error(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.path}`));

// Express recognises an error handler by its four parameters, so the unused `next` stays.
app.use((err, req, res, _next) => {
  if (err.type === 'entity.parse.failed') return error(res, 400, 'INVALID_JSON', 'the body is not valid JSON');
  const status = err.status ?? err.statusCode ?? 500;
  if (status >= 400 && status < 500) return error(res, status, 'BAD_REQUEST', err.message);
  console.error('request failed', err);
  return error(res, 500, 'INTERNAL', 'internal error; see the log');
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1', (err) => {
  if (err) throw err;
});

const stop = () => {
  server.close(() =>
    pool.end().then(
      () => process.exit(0),
      () => process.exit(1),
    ),
  );
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
