/**
 * Automatic propagation through the app: an app built with express, fastify or koa registers the SDK's
 * middleware and calls Ferry with `FerryClient` — with no code forwarding headers — and the headers of its
 * incoming request (auth, tenant, user, trace context) reach the upstream behind Ferry.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import { FerryClient, currentHeaders } from '@ferry/sdk';
import { ferryContext as expressContext } from '@ferry/sdk/express';
import { ferryContext as koaContext } from '@ferry/sdk/koa';
import { ferryContext as fastifyContext } from '@ferry/sdk/fastify';
import { ferryNestMiddleware, FerryContextMiddleware } from '@ferry/sdk/nestjs';
import { json, readBody, startSidecar, startUpstream, type TestSidecar, type TestUpstream } from '../support/helpers.js';

let upstream: TestUpstream;
let ferry: TestSidecar;
let client: FerryClient;
const seen = new Map<string, IncomingHttpHeaders>();

before(async () => {
  upstream = await startUpstream(async (req, res) => {
    const body = JSON.parse((await readBody(req)).toString() || 'null') as [string] | null;
    if (body?.[0]) seen.set(body[0], req.headers);
    json(res, 200, { ok: true });
  });
  ferry = await startSidecar(`services:\n  orders: { protocol: http, endpoints: ["${upstream.url}"] }\n`);
  client = new FerryClient({ baseUrl: ferry.url });
});

after(async () => {
  await ferry?.close();
  await upstream?.close();
});

/** What every app does for a request: a Ferry call, tagged so the test finds what the upstream saw. */
async function handle(tag: string): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.random() * 5)); // interleave concurrent requests
  await client.invoke('orders', 'create', [tag]);
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

/** Concurrent requests to the app, each with its own identity; each must reach the upstream with its own. */
async function exercise(appUrl: string, framework: string): Promise<void> {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const tag = `${framework}-${i}`;
      const res = await fetch(`${appUrl}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer token-${tag}`,
          'x-tenant-id': `tenant-${i}`,
          'x-user-id': `user-${i}`,
          traceparent: `00-${traceId}-b7ad6b716920333${i}-01`,
          'x-private': 'not-for-upstream',
        },
        body: JSON.stringify({ tag }),
      });
      assert.equal(res.status, 200, `${tag}: ${await res.clone().text()}`);
      await res.arrayBuffer();
      const h = seen.get(tag);
      assert.ok(h, `${tag} reached the upstream`);
      assert.equal(h.authorization, `Bearer token-${tag}`);
      assert.equal(h['x-tenant-id'], `tenant-${i}`);
      assert.equal(h['x-user-id'], `user-${i}`);
      assert.equal(h.traceparent, `00-${traceId}-b7ad6b716920333${i}-01`, 'tracing off in Ferry: the app trace passes through');
      assert.equal(h['x-private'], undefined);
    }),
  );
}

test('express: headers of the incoming request reach the upstream with no forwarding code', async () => {
  const app = express();
  app.use(express.json());
  app.use(expressContext());
  app.post('/orders', async (req, res) => {
    await handle((req.body as { tag: string }).tag);
    res.json({ done: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await exercise(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'express');
  } finally {
    server.close();
  }
});

test('fastify: headers of the incoming request reach the upstream with no forwarding code', async () => {
  const app = Fastify();
  await app.register(fastifyContext());
  app.register(async (scoped) => {
    // an encapsulated plugin's routes are covered too
    scoped.post<{ Body: { tag: string } }>('/orders', async (request) => {
      await handle(request.body.tag);
      return { done: true };
    });
  });
  const appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await exercise(appUrl, 'fastify');
  } finally {
    await app.close();
  }
});

test('koa: headers of the incoming request reach the upstream with no forwarding code', async () => {
  const app = new Koa();
  app.use(koaContext());
  app.use(async (ctx) => {
    const body = JSON.parse((await readBody(ctx.req)).toString()) as { tag: string };
    await handle(body.tag);
    ctx.body = { done: true };
  });
  const server = app.listen();
  server.close();
  const s = (await import('node:http')).createServer(app.callback());
  const appUrl = await listen(s);
  try {
    await exercise(appUrl, 'koa');
  } finally {
    s.close();
  }
});

test('NestJS middleware (class and functional forms) on a plain Node server', async () => {
  const forms = [new FerryContextMiddleware(), { use: ferryNestMiddleware() }];
  for (const [n, mw] of forms.entries()) {
    const s = (await import('node:http')).createServer((req, res) => {
      mw.use(req, res, () => {
        void (async () => {
          const body = JSON.parse((await readBody(req)).toString()) as { tag: string };
          await handle(body.tag);
          json(res, 200, { done: true });
        })();
      });
    });
    const appUrl = await listen(s);
    try {
      await exercise(appUrl, `nest${n}`);
    } finally {
      s.close();
    }
  }
});

test('outside a request nothing is captured, and the default list skips other headers', async () => {
  assert.deepEqual(currentHeaders(), {});
});
