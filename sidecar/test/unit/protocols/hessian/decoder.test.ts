import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HessianDecoder, HessianError, decodeAll } from '../../../../src/protocols/hessian/index.js';

/** Decodes and expects a HessianError of `kind` (never a RangeError or any other throw), in bounded time. */
function refused(bytes: Buffer, kind?: HessianError['kind'], message?: RegExp): void {
  const start = performance.now();
  let caught: unknown;
  try {
    decodeAll(bytes);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HessianError, `expected a HessianError, got ${String(caught)}`);
  if (kind) assert.equal(caught.kind, kind, caught.message);
  if (message) assert.match(caught.message, message);
  assert.ok(performance.now() - start < 1_000, `took ${(performance.now() - start).toFixed(0)} ms`);
}

test('codes that read a type, an int or a name never recurse outside the depth limit (no stack overflow)', () => {
  // 70 = typed fixed list whose type is read first: `70 70 70…` read a type that is a list whose type…
  // 55/56/4d likewise; 4f/51 read an int that is an object/ref…; 43 reads a class name that is a class def…
  for (const code of [0x70, 0x77, 0x55, 0x56, 0x4d, 0x4f, 0x51, 0x43, 0x58]) {
    refused(Buffer.alloc(200_000, code), 'malformed');
  }
  // class definitions in a row are a loop: 4096 of them are fine, one more is a limit
  const def = Buffer.from('43' + '0141' + '90', 'hex'); // class "A", no fields
  assert.equal(decodeAll(Buffer.concat([Buffer.concat(Array.from({ length: 4_000 }, () => def)), Buffer.from('4e', 'hex')]))[0], null);
  refused(Buffer.concat(Array.from({ length: 5_000 }, () => def)), 'limit', /class definitions/);
});

test('lengths, refs and class names must be scalars where the grammar wants them', () => {
  refused(Buffer.from('58' + '57' + '5a', 'hex'), 'malformed', /expected an int/); // list length that is a list
  refused(Buffer.from('51' + '48' + '5a', 'hex'), 'malformed', /expected an int/); // ref that is a map
  refused(Buffer.from('43' + '57' + '5a', 'hex'), 'malformed', /expected a string for class name/);
  refused(Buffer.from('70' + '48' + '5a' + '90', 'hex'), 'malformed', /expected a type/);
  // the legit forms still decode: a typed list "[int" of 2, then a list using the type by reference
  assert.deepEqual(
    decodeAll(Buffer.from('72' + '045b696e74' + '9192' + '7290' + '93' + '94', 'hex')).map((v) => [...(v as number[])]),
    [
      [1, 2],
      [3, 4],
    ],
  );
  // and an int written in any integer form (here as a compact long) is a length
  assert.equal((decodeAll(Buffer.from('58' + 'e1' + '91', 'hex'))[0] as unknown[]).length, 1);
});

test('deep nesting is a limit, at any depth of input', () => {
  refused(Buffer.alloc(100_000, 0x57), 'limit', /nesting deeper than 128/);
  refused(Buffer.concat([Buffer.alloc(50_000, 0x48), Buffer.from('90', 'hex')]), 'limit', /nesting/);
  refused(Buffer.concat([Buffer.from('43' + '0141' + '91' + '0161', 'hex'), Buffer.alloc(50_000, 0x60)]), 'limit', /nesting/);
  const d = new HessianDecoder(Buffer.concat([Buffer.alloc(300, 0x57), Buffer.alloc(300, 0x5a)]), { maxDepth: 300 });
  assert.ok(Array.isArray(d.read()));
});

test('back-references count what they repeat: a few bytes cannot stand for millions of nodes', () => {
  // list_k = [list_{k-1}, ref(list_{k-1})]: 2^40 leaves in 124 bytes
  const parts: string[] = [];
  for (let i = 0; i < 40; i++) parts.push('7a');
  parts.push('7a9090');
  for (let i = 39; i >= 0; i--) parts.push('51' + (0x90 + i + 1).toString(16));
  refused(Buffer.from(parts.join(''), 'hex'), 'limit', /counting what refs repeat/);
  // the same shape 6 levels deep (128 leaves) is fine
  const small: string[] = [];
  for (let i = 0; i < 6; i++) small.push('7a');
  small.push('7a9090');
  for (let i = 5; i >= 0; i--) small.push('51' + (0x90 + i + 1).toString(16));
  const v = decodeAll(Buffer.from(small.join(''), 'hex'))[0] as unknown[];
  assert.equal(v[0], v[1]);
  // a list that holds itself (a cycle) decodes; turning it into JSON is the conversion's business
  const cyclic = decodeAll(Buffer.from('79' + '5190', 'hex'))[0] as unknown[];
  assert.equal(cyclic[0], cyclic);
});
