/**
 * Golden AdmissionReviews: bodies a real kube-apiserver sent (sidecar/test/fixtures/injector/*.review.json,
 * captured by test/harness/capture-admission.ts) → the injector's exact answer and JSONPatch
 * (`*.expected.json`). FERRY_UPDATE_GOLDEN=1 rewrites the expected files (review the diff!).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseInjectorConfig } from '../../../src/injector/config.js';
import { admissionRequest, review, type Scope } from '../../../src/injector/review.js';

const DIR = fileURLToPath(new URL('../../../../test/fixtures/injector/', import.meta.url));

/** The mesh-wide defaults every golden is answered with (the chart's defaults, a fixed image). */
const BASE = `tls: { certFile: /tls/tls.crt, keyFile: /tls/tls.key }
namespace: ferry-system
sidecar:
  image: registry.example/ferry:0.1.0
  env:
    FERRY_REGISTRIES__ZK__ADDRESS: zookeeper.infra:2181
`;
/** Cases answered with other defaults. */
const CONFIG: Record<string, string> = {
  'classic-two-containers': `${BASE}  mode: classic\n`,
};

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.review.json'))
  .map((f) => f.slice(0, -'.review.json'.length))
  .sort();

test('the captured cases are all there', () => {
  assert.ok(cases.length >= 12, `only ${cases.length} captured reviews in ${DIR}`);
});

for (const name of cases) {
  test(`golden: ${name}`, () => {
    const { path, review: body } = JSON.parse(readFileSync(`${DIR}${name}.review.json`, 'utf8')) as { path: string; review: unknown };
    const scope = new URL(path, 'https://x').pathname.split('/').pop() as Scope;
    const config = parseInjectorConfig(CONFIG[name] ?? BASE, 'golden config');
    const decision = review(admissionRequest(body), scope, config);
    const { patch, ...response } = decision.review.response;
    const actual = {
      outcome: decision.outcome,
      response: { ...response, uid: '<uid>' },
      ...(patch ? { patch: JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as unknown } : {}),
    };
    assert.equal(decision.review.response.uid, (body as { request: { uid: string } }).request.uid, 'the answer carries the request uid');
    const file = `${DIR}${name}.expected.json`;
    if (process.env.FERRY_UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    assert.deepEqual(actual, JSON.parse(readFileSync(file, 'utf8')));
  });
}
