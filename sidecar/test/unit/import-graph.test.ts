/**
 * The layers of `sidecar/src` stay a directed graph: server → routing → pipeline, protocols, discovery →
 * observability, with no way back. Read from the TypeScript sources. Between layers every import counts
 * (type-only and dynamic ones too: a cycle of types is still a cycle of meaning); between files, the imports
 * that load code (a type-only import of a sibling module cannot deadlock a module's initialisation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/unit/ → the package's src/
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');
const LAYERS = ['server', 'routing', 'pipeline', 'protocols', 'discovery', 'observability'];
/** `import … from './x.js'`, `export … from`, `import('./x.js')`, `import './x.js'`; group 1 is `type ` for type-only ones. */
const IMPORT = /(?:\b(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s*)?|\bimport\s*\(\s*)['"](\.[^'"]+)['"]/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function graph(options: { typeOnly: boolean }): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const file of sources(SRC)) {
    const from = relative(SRC, file);
    const targets = new Set<string>();
    for (const [, typeOnly, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (typeOnly && !options.typeOnly) continue;
      targets.add(relative(SRC, resolve(dirname(file), spec!.replace(/\.js$/, '.ts'))));
    }
    edges.set(from, targets);
  }
  return edges;
}

/** One cycle of the graph, if it has any (depth-first search, the path kept). */
function findCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const layerOf = (file: string) => file.split('/')[0]!;

test('no import cycle among server, routing, pipeline, protocols, discovery, observability', () => {
  const layers = new Map<string, Set<string>>(LAYERS.map((l) => [l, new Set()]));
  const why = new Map<string, string>();
  for (const [from, targets] of graph({ typeOnly: true })) {
    for (const to of targets) {
      const a = layerOf(from);
      const b = layerOf(to);
      if (a === b || !layers.has(a) || !layers.has(b)) continue;
      layers.get(a)!.add(b);
      why.set(`${a}>${b}`, `${from} → ${to}`);
    }
  }
  const cycle = findCycle(layers);
  const edges = cycle?.slice(1).map((to, i) => why.get(`${cycle[i]}>${to}`));
  assert.equal(cycle, undefined, `layer cycle ${cycle?.join(' → ')}:\n  ${edges?.join('\n  ')}`);
});

test('no cycle of module loading between source files', () => {
  const cycle = findCycle(graph({ typeOnly: false }));
  assert.equal(cycle, undefined, `file cycle: ${cycle?.join(' → ')}`);
});

test('the observability definitions are leaves: logger, metrics and tracing import nothing of the request path', () => {
  for (const [from, targets] of graph({ typeOnly: true })) {
    if (layerOf(from) !== 'observability') continue;
    const outside = [...targets].filter((to) => LAYERS.includes(layerOf(to)) && layerOf(to) !== 'observability');
    assert.deepEqual(outside, [], `${from} imports ${outside.join(', ')}`);
  }
});
