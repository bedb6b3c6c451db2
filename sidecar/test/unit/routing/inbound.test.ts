/**
 * The inbound chain (a Dubbo consumer → Ferry → the app) is the outbound chain's interceptors with the app as
 * the upstream: the same propagation rule, timeout code, metrics and SERVER span, tested here through the
 * chain as Ferry composes it, against a real local HTTP app.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { parseConfig } from '../../../src/config/load.js';
import { createInboundChain } from '../../../src/routing/inbound.js';
import { inboundMetricsInterceptor, inboundTracingInterceptor } from '../../../src/pipeline/observe.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createTracing } from '../../../src/observability/tracing.js';
import { dubboAnswerInterceptor } from '../../../src/protocols/dubbo/server/answer.js';
import { isDubboReserved } from '../../../src/protocols/dubbo/carrier.js';
import type { Call } from '../../../src/pipeline/types.js';
import { json, startUpstream } from '../../support/helpers.js';
import { testCall } from '../../support/call.js';

const seen: Array<Record<string, string | string[] | undefined>> = [];
const app = await startUpstream((req, res) => {
  seen.push(req.headers);
  if (req.url === '/slow') return void setTimeout(() => json(res, 200, 1), 400);
  if (req.url === '/fail') return json(res, 500, { message: 'no stock', exceptionClass: 'java.lang.IllegalStateException' });
  json(res, 200, { id: 7 });
});
after(() => app.close());

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function inboundCall(path: string, deadlineMs = 1000): Call {
  return testCall({
    service: 'com.example.Orders',
    method: 'place',
    incomingHeaders: {
      path: 'com.example.Orders',
      timeout: '1000',
      authorization: 'Bearer t',
      'x-user-id': '7',
      secret: 's',
      traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
    },
    deadline: Date.now() + deadlineMs,
    attempt: 1,
    http: { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: Readable.from(['[]']) },
    signature: { parameterTypes: [], returns: 'java.util.Map' },
    peer: { address: '127.0.0.1', port: 5 },
  });
}

async function chain(tracingOn: boolean) {
  const config = parseConfig(
    `tracing: { enabled: ${tracingOn} }\npropagation: { headers: [authorization, "x-user-*", path] }\n` +
      `inbound: { app: { url: "${app.url}" } }`,
    'test',
  );
  const exporter = new InMemorySpanExporter();
  const tracing = await createTracing(config.tracing, { exporter, simple: true, extract: true });
  const metrics = createMetrics(new Registry());
  const inbound = createInboundChain(
    {
      protocol: 'dubbo',
      system: 'apache_dubbo',
      reserved: isDubboReserved,
      answer: dubboAnswerInterceptor({ maxPayload: 1 << 20, classes: undefined }),
    },
    { config, observe: [inboundMetricsInterceptor(metrics), inboundTracingInterceptor(tracing)] },
  );
  return { inbound, exporter, tracing, metrics };
}

test('inbound: allow-listed attachments reach the app, reserved ones never; the app gets a child of the caller trace', async () => {
  const { inbound, exporter, tracing, metrics } = await chain(true);
  try {
    const reply = await inbound.invoke(inboundCall('/orders'));
    assert.equal(reply.kind, 'value');
    const headers = seen.at(-1)!;
    assert.equal(headers.authorization, 'Bearer t');
    assert.equal(headers['x-user-id'], '7');
    assert.equal(headers.secret, undefined, 'not allow-listed');
    assert.equal(headers.path, undefined, "Dubbo's own key, even when listed");
    assert.match(String(headers.traceparent), new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    assert.notEqual(headers.traceparent, `00-${TRACE_ID}-b7ad6b7169203331-01`, 'the SERVER span is the parent');
    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.name, 'com.example.Orders/place');
    assert.equal(span?.parentSpanContext?.spanId, 'b7ad6b7169203331');
    assert.equal(span?.attributes['rpc.system'], 'apache_dubbo');
    assert.match(
      (await metrics.scrape()).body,
      /ferry_inbound_requests_total\{protocol="dubbo",service="com.example.Orders",method="place",code="OK"\} 1/,
    );
  } finally {
    await inbound.close();
    await tracing.shutdown();
  }
});

test('inbound: the deadline gives the outbound timeout code; app errors and timeouts are counted and recorded on the span', async () => {
  const { inbound, exporter, tracing, metrics } = await chain(true);
  try {
    await assert.rejects(inbound.invoke(inboundCall('/slow', 100)), { code: 'FERRY_ERR_UPSTREAM_TIMEOUT' });
    await assert.rejects(inbound.invoke(inboundCall('/fail')), (err: { code: string; upstream?: { exceptionClass?: string } }) => {
      assert.equal(err.code, 'FERRY_ERR_UPSTREAM_HTTP_STATUS');
      assert.equal(err.upstream?.exceptionClass, 'java.lang.IllegalStateException');
      return true;
    });
    const text = (await metrics.scrape()).body;
    assert.match(text, /ferry_inbound_requests_total\{[^}]*code="FERRY_ERR_UPSTREAM_TIMEOUT"\} 1/);
    assert.match(text, /ferry_inbound_requests_total\{[^}]*code="FERRY_ERR_UPSTREAM_HTTP_STATUS"\} 1/);
    const codes = exporter.getFinishedSpans().map((s) => s.attributes['error.type']);
    assert.deepEqual(codes, ['FERRY_ERR_UPSTREAM_TIMEOUT', 'FERRY_ERR_UPSTREAM_HTTP_STATUS']);
  } finally {
    await inbound.close();
    await tracing.shutdown();
  }
});

test('inbound with tracing off: the caller trace headers pass through to the app unchanged', async () => {
  const { inbound, tracing } = await chain(false);
  try {
    await inbound.invoke(inboundCall('/orders'));
    assert.equal(seen.at(-1)!.traceparent, `00-${TRACE_ID}-b7ad6b7169203331-01`);
    assert.equal(trace.getActiveSpan(), undefined);
  } finally {
    await inbound.close();
    await tracing.shutdown();
  }
});
