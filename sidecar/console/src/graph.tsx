/**
 * The service graph: callers → app → services → endpoints in four columns, laid out with d3-force (each node
 * pulled to its column and to its parent's height, kept apart by collision), drawn as SVG. The layout is
 * computed again only when the set of nodes changes, so live updates recolour and relabel without moving.
 */
import { forceCollide, forceSimulation, forceX, forceY, type SimulationNodeDatum } from 'd3-force';
import { useMemo } from 'preact/hooks';
import type { Graph, GraphEdge, GraphNode } from '../../src/console/views.js';
import { fmt } from './api.js';

const WIDTH = 1200;
const COLUMNS: Record<GraphNode['kind'], number> = { caller: 0.1, app: 0.36, service: 0.63, endpoint: 0.88 };
const ROW = 84;
/** Half a node's width. */
const HALF = 72;

interface Placed extends SimulationNodeDatum {
  id: string;
  x: number;
  y: number;
}

function layout(graph: Graph): { positions: Map<string, { x: number; y: number }>; height: number } {
  const byKind = new Map<string, GraphNode[]>();
  for (const n of graph.nodes) byKind.set(n.kind, [...(byKind.get(n.kind) ?? []), n]);
  const rows = Math.max(3, ...[...byKind.values()].map((l) => l.length));
  const height = Math.max(360, rows * ROW + 80);
  const parentOf = new Map<string, string>();
  for (const e of graph.edges) if (!parentOf.has(e.target) && e.target !== 'app') parentOf.set(e.target, e.source);
  // start from evenly spaced rows per column, sorted by name (stable between reloads)
  const nodes: Placed[] = [];
  const ideal = new Map<string, number>();
  for (const [kind, list] of byKind) {
    const sorted = [...list].sort((a, b) => (a.service ?? '').localeCompare(b.service ?? '') || a.label.localeCompare(b.label));
    sorted.forEach((n, i) => {
      const y = ((i + 1) * height) / (sorted.length + 1);
      ideal.set(n.id, y);
      nodes.push({ id: n.id, x: COLUMNS[kind as GraphNode['kind']] * WIDTH, y });
    });
  }
  const targetY = (d: Placed) => {
    const parent = parentOf.get(d.id);
    const own = ideal.get(d.id) ?? height / 2;
    return parent && parent !== 'app' && ideal.has(parent) ? (own + 2 * ideal.get(parent)!) / 3 : own;
  };
  const sim = forceSimulation(nodes)
    .force('x', forceX<Placed>((d) => COLUMNS[graph.nodes.find((n) => n.id === d.id)!.kind] * WIDTH).strength(1))
    .force('y', forceY<Placed>(targetY).strength(0.2))
    .force('collide', forceCollide<Placed>(ROW / 2.4))
    .stop();
  for (let i = 0; i < 200; i++) sim.tick();
  const positions = new Map<string, { x: number; y: number }>();
  for (const n of nodes) positions.set(n.id, { x: n.x, y: Math.min(height - 30, Math.max(30, n.y)) });
  return { positions, height };
}

function width(rps: number): number {
  return rps <= 0 ? 1.5 : Math.min(10, 2 + Math.log2(1 + rps) * 1.2);
}

/** Calls per second over the last minute, oldest first, as a small line (scaled to its own peak). */
function Sparkline({ series, x, y }: { series: number[]; x: number; y: number }) {
  const peak = Math.max(1, ...series);
  const step = 80 / Math.max(1, series.length - 1);
  const points = series.map((v, i) => `${(x + i * step).toFixed(1)},${(y + 12 - (v / peak) * 12).toFixed(1)}`).join(' ');
  return <polyline class="spark" points={points} />;
}

function EdgeView({ edge, from, to }: { edge: GraphEdge; from: { x: number; y: number }; to: { x: number; y: number } }) {
  const mx = (from.x + to.x) / 2;
  const path = `M${from.x + HALF},${from.y} C${mx},${from.y} ${mx},${to.y} ${to.x - HALF},${to.y}`;
  const rate = edge.calls ? `${fmt.rps(edge.rps)}/s · ${fmt.pct(edge.errorRate)} err` : 'idle';
  const latency = edge.calls ? `p50 ${fmt.ms(edge.p50Ms)} · p99 ${fmt.ms(edge.p99Ms)}` : '';
  const my = (from.y + to.y) / 2;
  return (
    <g
      class={`edge h-${edge.health}`}
      data-id={edge.id}
      data-source={edge.source}
      data-target={edge.target}
      data-rps={edge.rps}
      data-health={edge.health}
      data-error-rate={edge.errorRate}
    >
      <path d={path} stroke-width={width(edge.rps)} class={edge.rps > 0 ? 'flow' : ''} />
      {edge.calls ? <Sparkline series={edge.series} x={mx - 40} y={my - 46} /> : null}
      <text x={mx} y={my - 22} text-anchor="middle">
        <tspan class="rate">{rate}</tspan>
        <tspan x={mx} dy={13}>
          {latency}
        </tspan>
      </text>
      <title>{`${edge.source} → ${edge.target}\n${edge.calls} calls, ${edge.errors} failed (last 10 s)`}</title>
    </g>
  );
}

const KIND_LABEL: Record<GraphNode['kind'], string> = { caller: 'caller', app: 'app + Ferry', service: 'service', endpoint: 'endpoint' };

function NodeView({ node, at, onPick }: { node: GraphNode; at: { x: number; y: number }; onPick: (n: GraphNode) => void }) {
  return (
    <g
      class={`node k-${node.kind} h-${node.health}`}
      data-id={node.id}
      data-kind={node.kind}
      data-health={node.health}
      transform={`translate(${at.x},${at.y})`}
      onClick={() => onPick(node)}
    >
      <rect x={-HALF} y={-22} width={2 * HALF} height={44} rx={node.kind === 'endpoint' ? 6 : 14} />
      <text class="label" y={-3} text-anchor="middle">
        {node.label.length > 22 ? `${node.label.slice(0, 21)}…` : node.label}
      </text>
      <text class="sub" y={13} text-anchor="middle">
        {node.detail ?? (node.protocol ? `${node.protocol} · ${node.health}` : `${KIND_LABEL[node.kind]} · ${node.health}`)}
      </text>
      <title>
        {`${node.label} (${node.kind}${node.protocol ? `, ${node.protocol}` : ''}): ${node.health}` +
          `${node.detail ? `, ${node.detail}` : ''}`}
      </title>
    </g>
  );
}

export function GraphView({ graph, onPick }: { graph: Graph; onPick: (n: GraphNode) => void }) {
  const key = graph.nodes.map((n) => n.id).join('|');
  const { positions, height } = useMemo(() => layout(graph), [key]);
  return (
    <svg class="graph" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label="service graph">
      <g class="columns">
        {(['caller', 'app', 'service', 'endpoint'] as const).map((k) => (
          <text x={COLUMNS[k] * WIDTH} y={18} text-anchor="middle">
            {k === 'caller' ? 'inbound callers' : k === 'app' ? 'this pod' : k === 'service' ? 'services' : 'endpoints'}
          </text>
        ))}
      </g>
      {graph.edges.map((e) => {
        const from = positions.get(e.source);
        const to = positions.get(e.target);
        return from && to ? <EdgeView key={e.id} edge={e} from={from} to={to} /> : null;
      })}
      {graph.nodes.map((n) => {
        const at = positions.get(n.id);
        return at ? <NodeView key={n.id} node={n} at={at} onPick={onPick} /> : null;
      })}
    </svg>
  );
}
