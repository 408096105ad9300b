// Fastify 5 variant of the projects API measured by bench/http-framework.mjs. Kept equivalent to
// express.mjs: same routes, statuses, bodies and headers, same pg.Pool. Params and body are
// validated by JSON Schema (Ajv), responses serialized by fast-json-stringify from the response
// schemas, and the same schemas give the OpenAPI document (@fastify/swagger, GET /api/openapi.json).
// Ajv's type coercion is off so that {"name": 5} is refused as it is by the Express variant.
//
//   PORT=<port> DATABASE_URL=<postgres url> node bench/lib/http-framework-servers/fastify.mjs
import Fastify from 'fastify';
import swagger from '@fastify/swagger';
import pg from 'pg';

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const COLUMNS = 'id, name, description, created_at';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', (err) => console.error('pool error', err));

const Project = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'name', 'description', 'created_at'],
};
const ErrorBody = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
  required: ['error'],
};
const ProjectId = {
  type: 'object',
  properties: { id: { type: 'string', pattern: UUID_PATTERN } },
  required: ['id'],
};
const NewProject = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
  },
  required: ['name'],
  additionalProperties: false,
};

const app = Fastify({
  logger: false,
  bodyLimit: 1024 * 1024,
  ajv: { customOptions: { coerceTypes: false } },
});
await app.register(swagger, { openapi: { info: { title: 'projects (benchmark)', version: '1.0.0' } } });

app.setNotFoundHandler(async (request, reply) => {
  reply.code(404);
  return { error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } };
});
app.setErrorHandler(async (err, request, reply) => {
  const status = err.statusCode ?? 500;
  if (err.code === 'FST_ERR_VALIDATION') {
    reply.code(400);
    return { error: { code: 'VALIDATION', message: err.message } };
  }
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    reply.code(400);
    return { error: { code: 'INVALID_JSON', message: 'the body is not valid JSON' } };
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    reply.code(415);
    return { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content type; send application/json' } };
  }
  if (status >= 400 && status < 500) {
    reply.code(status);
    return { error: { code: 'BAD_REQUEST', message: err.message } };
  }
  console.error('request failed', err);
  reply.code(500);
  return { error: { code: 'INTERNAL', message: 'internal error; see the log' } };
});

app.get(
  '/api/health',
  {
    schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } } },
  },
  async () => ({ status: 'ok' }),
);

app.get(
  '/api/projects/:id',
  {
    schema: { params: ProjectId, response: { 200: Project, '4xx': ErrorBody } },
  },
  async (request, reply) => {
    const { id } = request.params;
    const { rows } = await pool.query(`SELECT ${COLUMNS} FROM projects WHERE id = $1`, [id]);
    if (rows.length === 0) {
      reply.code(404);
      return { error: { code: 'NOT_FOUND', message: `no project ${id}` } };
    }
    return rows[0];
  },
);

app.post(
  '/api/projects',
  {
    schema: { body: NewProject, response: { 201: Project, '4xx': ErrorBody } },
  },
  async (request, reply) => {
    const { name, description } = request.body;
    const { rows } = await pool.query(`INSERT INTO projects (name, description) VALUES ($1, $2) RETURNING ${COLUMNS}`, [name, description ?? null]);
    reply.code(201);
    return rows[0];
  },
);

app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });

const stop = () => {
  app
    .close()
    .then(() => pool.end())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
