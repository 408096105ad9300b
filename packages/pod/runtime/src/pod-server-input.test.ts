/** How the pod server checks input against route schemas: the JSON body as sent, a wrong method named, long parameters refused by their schema. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createPodServer } from './pod-server.js';

const app = createPodServer({ program: 'admin-backend', tenant: 'acme', logLevel: 'silent' });
const Flags = Type.Object({ disabled: Type.Optional(Type.Boolean()), name: Type.Optional(Type.String()) }, { additionalProperties: false });
app.patch('/api/things/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 100 }) }), body: Flags } }, async (request) => ({
  body: request.body,
}));
app.get('/api/things', { schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1 })) }) } }, async (request) => ({
  query: request.query,
}));

before(() => app.ready());
after(() => app.close());

test('a JSON body is validated as sent: null or a number is not read as false or a string', async () => {
  for (const body of [{ disabled: null }, { name: 12 }, { disabled: 'true' }]) {
    const answer = await app.inject({ method: 'PATCH', url: '/api/things/1', payload: body });
    assert.equal(answer.statusCode, 400, `${JSON.stringify(body)}: ${answer.body}`);
    assert.match(answer.json().error.message, /invalid body: body\/(disabled|name) must be (boolean|string)/);
  }
  assert.deepEqual((await app.inject({ method: 'PATCH', url: '/api/things/1', payload: { disabled: true } })).json(), { body: { disabled: true } });
  // The query is text: there "5" is the number 5.
  assert.deepEqual((await app.inject({ method: 'GET', url: '/api/things?limit=5' })).json(), { query: { limit: 5 } });
});

test('a known path asked with another method is a 405 that names the allowed ones; an unknown path stays a 404', async () => {
  for (const method of ['TRACE', 'DELETE', 'PUT']) {
    const answer = await app.inject({ method: method as 'PUT', url: '/api/things/7' });
    assert.equal(answer.statusCode, 405, method);
    assert.equal(answer.headers.allow, 'PATCH');
    assert.deepEqual(answer.json(), { error: { code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on /api/things/7; use PATCH` } });
  }
  assert.equal((await app.inject({ method: 'POST', url: '/api/things?x=1' })).headers.allow, 'GET, HEAD');
  assert.equal((await app.inject({ method: 'GET', url: '/api/things/7/more' })).statusCode, 404);
});

test("a path parameter longer than the router's default limit is refused by its schema with the error body", async () => {
  const answer = await app.inject({ method: 'PATCH', url: `/api/things/${'0'.repeat(101)}`, payload: {} });
  assert.equal(answer.statusCode, 400, answer.body);
  assert.match(answer.json().error.message, /params\/id must NOT have more than 100 characters/);
});
