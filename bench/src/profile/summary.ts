/**
 * Where a profiled Ferry spends its CPU and allocates its garbage: the preload's .cpuprofile (self time by
 * function and by package) and .heapprofile (sampled allocations, collected objects included) as Markdown.
 */
import { readFile } from 'node:fs/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/** `fastify`, `@opentelemetry/api`, `ferry server/proxy.js`, `node:_http_server`, or a V8 pseudo-frame. */
export function owner(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const ferry = /\/(sidecar|sdk)\/dist\/src\/(.*)$/.exec(url);
  if (ferry) return `ferry ${ferry[1] === 'sdk' ? 'sdk/' : ''}${ferry[2]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

/** A function and where it is: `writeH1 undici/lib/dispatcher/client-h1.js:1144`. */
function site(frame: CallFrame): string {
  const nm = frame.url.lastIndexOf('/node_modules/');
  const where = nm >= 0 ? frame.url.slice(nm + '/node_modules/'.length) : owner(frame);
  return `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, total: number, count: number, unit: (v: number) => string): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, v]) => `| ${((100 * v) / total).toFixed(1)}% | ${unit(v)} | ${name.replace(/\|/g, '\\|')} |`);
}

const add = (map: Map<string, number>, key: string, v: number) => map.set(key, (map.get(key) ?? 0) + v);

/** Summarizes `<base>.cpuprofile` and `<base>.heapprofile`; `requests` answered during the profile turn totals into per-request figures. */
export async function summarizeProfile(base: string, requests: number): Promise<string> {
  const cpu = JSON.parse(await readFile(`${base}.cpuprofile`, 'utf8')) as CpuProfile;
  const byId = new Map(cpu.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of cpu.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfFn = new Map<string, number>();
  const selfPkg = new Map<string, number>();
  // Time under each of Ferry's own functions, callees included (each sample counted once per function).
  const inclusiveFerry = new Map<string, number>();
  let busy = 0;
  cpu.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const us = cpu.timeDeltas[i] ?? 0;
    if (frame.functionName === '(idle)') return;
    busy += us;
    add(selfFn, site(frame), us);
    add(selfPkg, owner(frame), us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (owner(f).startsWith('ferry ')) seen.add(site(f));
    }
    for (const s of seen) add(inclusiveFerry, s, us);
  });
  const perReq = (us: number) => `${(us / requests).toFixed(1)} µs/req`;

  const heap = JSON.parse(await readFile(`${base}.heapprofile`, 'utf8')) as { head: HeapNode };
  const allocFn = new Map<string, number>();
  const allocPkg = new Map<string, number>();
  let allocated = 0;
  const walk = (node: HeapNode) => {
    if (node.selfSize) {
      allocated += node.selfSize;
      add(allocFn, site(node.callFrame), node.selfSize);
      add(allocPkg, owner(node.callFrame), node.selfSize);
    }
    node.children.forEach(walk);
  };
  walk(heap.head);
  const perReqB = (b: number) => `${Math.round(b / requests)} B/req`;

  return [
    `CPU, not idle: ${perReq(busy)} over ${requests} requests (self time)`,
    '',
    '| share | cost | package / file |',
    '|---|---|---|',
    ...top(selfPkg, busy, 20, perReq),
    '',
    '| share | cost | function (self) |',
    '|---|---|---|',
    ...top(selfFn, busy, 30, perReq),
    '',
    '| share | cost | Ferry function (with what it calls) |',
    '|---|---|---|',
    ...top(inclusiveFerry, busy, 30, perReq),
    '',
    `Allocated (sampled, collected objects included): ${perReqB(allocated)}`,
    '',
    '| share | bytes | package / file |',
    '|---|---|---|',
    ...top(allocPkg, allocated, 15, perReqB),
    '',
    '| share | bytes | allocation site |',
    '|---|---|---|',
    ...top(allocFn, allocated, 25, perReqB),
  ].join('\n');
}
