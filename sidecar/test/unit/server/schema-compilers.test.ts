import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { lazySchemaCompilers } from '../../../src/server/schema-compilers.js';

test("fastify's own compilers still validate and serialize a route that declares a schema", async () => {
  const app = Fastify({ schemaController: lazySchemaCompilers() });
  app.post(
    '/x',
    {
      schema: {
        body: { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } },
        response: { 200: { type: 'object', properties: { a: { type: 'integer' } } } },
      },
    },
    async (request) => ({ ...(request.body as object), extra: 'dropped by the response schema' }),
  );
  try {
    const bad = await app.inject({ method: 'POST', url: '/x', payload: {} });
    assert.equal(bad.statusCode, 400);
    const good = await app.inject({ method: 'POST', url: '/x', payload: { a: 1 } });
    assert.equal(good.statusCode, 200);
    assert.deepEqual(good.json(), { a: 1 });
  } finally {
    await app.close();
  }
});
