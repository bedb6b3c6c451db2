import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as conventions from '@opentelemetry/semantic-conventions';
import * as ferry from '../../../src/observability/semconv.js';

test("Ferry's attribute names are the semantic conventions' own", () => {
  const names = Object.keys(ferry) as Array<keyof typeof ferry>;
  assert.ok(names.length > 0);
  for (const name of names) assert.equal(ferry[name], (conventions as Record<string, unknown>)[name], name);
});
