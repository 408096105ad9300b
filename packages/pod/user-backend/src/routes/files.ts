/** @module Files: uploaded into the tenant's storage prefix, described in its database, downloaded as attachments. */
import { randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { UserBackendContext } from '../context.js';
import { UserErrors } from '../errors.js';
import { featureGuard } from '../features.js';
import { pageClause, toPage, type PageRow } from '../pagination.js';
import { ErrorBody, FileInfo, FileQuery, IdParams, PAGE_LIMIT_DEFAULT, Page, UploadQuery, type Static } from '../schemas.js';

/** Accepted types, with the leading bytes the content must start with where the format has them. */
const FILE_TYPES: Record<string, Buffer[] | null> = {
  'image/png': [Buffer.from([0x89, 0x50, 0x4e, 0x47])],
  'image/jpeg': [Buffer.from([0xff, 0xd8, 0xff])],
  'image/gif': [Buffer.from('GIF87a'), Buffer.from('GIF89a')],
  'image/webp': [Buffer.from('RIFF')],
  'application/pdf': [Buffer.from('%PDF-')],
  'application/zip': [Buffer.from([0x50, 0x4b, 0x03, 0x04])],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': [Buffer.from([0x50, 0x4b, 0x03, 0x04])],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': [Buffer.from([0x50, 0x4b, 0x03, 0x04])],
  'text/plain': null,
  'text/csv': null,
  'application/json': null,
};
export const ACCEPTED_FILE_TYPES = Object.keys(FILE_TYPES);

type FileRow = PageRow & { name: string; content_type: string; size: number; storage_key: string; uploaded_by: string | null; created_at: Date };
const FILE_COLUMNS = 'id, name, content_type, size, storage_key, uploaded_by, created_at, created_at::text AS cursor_ts';
const fileInfo = (r: FileRow) => ({ id: r.id, name: r.name, contentType: r.content_type, size: r.size, uploadedBy: r.uploaded_by, createdAt: r.created_at });

/** Counts bytes on the way to storage; fails past the limit, and checks the first bytes against the type. */
function checkedUpload(maxBytes: number, maxMb: number, type: string): Transform & { size: number } {
  const signatures = FILE_TYPES[type];
  let head = Buffer.alloc(0);
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      stream.size += chunk.length;
      if (stream.size > maxBytes) return done(UserErrors.fileTooLarge(maxMb));
      if (signatures && head.length < 8) {
        head = Buffer.concat([head, chunk]);
        const longest = Math.max(...signatures.map((s) => s.length));
        if (head.length >= longest) {
          if (!signatures.some((s) => head.subarray(0, s.length).equals(s))) return done(UserErrors.fileContent(type));
        }
      }
      done(null, chunk);
    },
    flush(done) {
      if (stream.size === 0) return done(UserErrors.emptyFile());
      if (signatures && !signatures.some((s) => head.subarray(0, s.length).equals(s))) return done(UserErrors.fileContent(type));
      done();
    },
  }) as Transform & { size: number };
  stream.size = 0;
  return stream;
}

export async function fileRoutes(app: FastifyInstance, ctx: UserBackendContext): Promise<void> {
  const { pool, sessions, store, config, features } = ctx;
  const authenticate = featureGuard(sessions, features, 'files');
  const maxBytes = config.FILE_MAX_MB * 1024 * 1024;
  // Uploads are the raw body, streamed to storage: no parser here (not even JSON's or text's), every
  // type let through and checked below.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  // No bodyLimit here: the body is not parsed, so the counter below enforces FILE_MAX_MB as it streams.
  app.post<{ Querystring: Static<typeof UploadQuery> }>(
    '/api/files',
    {
      schema: {
        tags: ['files'],
        summary: `Upload a file: the raw bytes as the body, its type as Content-Type (${ACCEPTED_FILE_TYPES.join(', ')}), at most ${config.FILE_MAX_MB} MiB`,
        querystring: UploadQuery,
        // Documents the raw body per accepted type; `{}` validates nothing (the bytes are checked as they stream).
        body: { content: Object.fromEntries(ACCEPTED_FILE_TYPES.map((type) => [type, { schema: {} }])) },
        response: { 201: FileInfo, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
    },
    async (request, reply) => {
      const me = await authenticate(request);
      const name = request.query.name.trim();
      if (!name || /[/\\\0]/.test(name)) throw UserErrors.fileName();
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!(type in FILE_TYPES)) throw UserErrors.fileType(type, ACCEPTED_FILE_TYPES);
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > maxBytes) throw UserErrors.fileTooLarge(config.FILE_MAX_MB);
      const id = randomUUID();
      const key = `files/${id}`;
      const counter = checkedUpload(maxBytes, config.FILE_MAX_MB, type);
      try {
        const source = request.body as Readable;
        source.once('error', (err) => counter.destroy(err));
        // Bytes may be refused before put() attaches its pipeline; the pipeline still sees the error
        // (the stream is left errored), so this listener only keeps it from being an uncaught one.
        counter.on('error', () => undefined);
        await store.put(key, source.pipe(counter));
      } catch (err) {
        // Nothing half-made: a refused or broken upload leaves no object behind.
        await store.delete(key);
        throw err;
      }
      const { rows } = await pool.query<FileRow>(
        `INSERT INTO files (id, name, content_type, size, storage_key, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${FILE_COLUMNS}`,
        [id, name, type, counter.size, key, me.userId],
      );
      ctx.analytics.record('storage', { bytes: counter.size });
      reply.code(201);
      return fileInfo(rows[0]!);
    },
  );

  app.get<{ Querystring: Static<typeof FileQuery> }>(
    '/api/files',
    {
      schema: { tags: ['files'], summary: 'List files, newest first', querystring: FileQuery, response: { 200: Page(FileInfo), 401: ErrorBody } },
    },
    async (request) => {
      await authenticate(request);
      const { limit = PAGE_LIMIT_DEFAULT, cursor } = request.query;
      const params: unknown[] = [];
      const { rows } = await pool.query<FileRow>(`SELECT ${FILE_COLUMNS} FROM files ${pageClause(['deleted_at IS NULL'], params, cursor, limit)}`, params);
      return toPage(rows, limit, fileInfo);
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/files/:id',
    {
      schema: {
        tags: ['files'],
        summary: 'Download a file: its bytes, with the Content-Type it was uploaded with',
        params: IdParams,
        response: { 200: { description: 'the file', content: { '*/*': { schema: { type: 'string', format: 'binary' } } } }, 404: ErrorBody, 401: ErrorBody },
      },
    },
    async (request, reply) => {
      await authenticate(request);
      const { rows } = await pool.query<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE id = $1 AND deleted_at IS NULL`, [request.params.id]);
      const file = rows[0];
      if (!file) throw UserErrors.notFound('file', request.params.id);
      const body = await store.get(file.storage_key);
      reply
        .type(file.content_type)
        .header('content-length', file.size)
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-disposition',
          `attachment; filename="${file.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
        );
      return reply.send(body);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/files/:id',
    {
      schema: {
        tags: ['files'],
        summary: 'Delete a file (its bytes are purged after the retention period)',
        params: IdParams,
        response: { 204: { type: 'null' }, 404: ErrorBody, 401: ErrorBody },
      },
    },
    async (request, reply) => {
      await authenticate(request);
      const { rowCount } = await pool.query('UPDATE files SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', [request.params.id]);
      if (rowCount === 0) throw UserErrors.notFound('file', request.params.id);
      reply.code(204);
    },
  );
}
