/**
 * The pod server's log policy, on a real Fastify server and real sockets: a client error (no such
 * route, an upload the client cuts short) is one short line below error level, without a stack.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { waitFor } from '@tenantry/core';
import { createPodServer } from './pod-server.js';

const lines: Array<Record<string, unknown>> = [];
const app = createPodServer({
  program: 'test-backend',
  tenant: 'acme',
  logLevel: 'info',
  logDestination: { write: (line) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
});
// Like POST /api/files: the raw body streamed, not parsed.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
let uploadsStarted = 0;
app.post('/upload', async (request) => {
  uploadsStarted += 1;
  await pipeline(request.body as NodeJS.ReadableStream, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return { ok: true };
});
after(() => app.close());

test('a 404 and an upload cut short by the client are at most one short line each, below error level and without a stack', async () => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };

  const missing = await fetch(`http://127.0.0.1:${port}/no-such-route`);
  assert.equal(missing.status, 404);
  await missing.text();

  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write('POST /upload HTTP/1.1\r\nHost: acme.localhost\r\nContent-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n' + 'x'.repeat(1000));
  // The handler is reading the body when the client goes away.
  await waitFor(() => uploadsStarted === 1, { what: 'the upload handler to start reading', timeoutMs: 10_000 });
  socket.resetAndDestroy();

  await waitFor(async () => lines.some((line) => String(line.msg).includes('abandoned') || String(line.msg).includes('request failed')), {
    what: 'the aborted upload to be logged',
    timeoutMs: 10_000,
  });
  const requestLines = lines.filter((line) => line.reqId !== undefined);
  assert.equal(requestLines.length, 1, JSON.stringify(requestLines));
  for (const line of requestLines) {
    assert.ok((line.level as number) < 50, `below error level: ${JSON.stringify(line)}`);
    assert.doesNotMatch(JSON.stringify(line), /stack/);
  }
});
