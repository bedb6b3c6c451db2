import type { LoadResult } from './load.js';

export interface Row {
  scenario: string;
  target: string;
  fixed?: LoadResult;
  max: LoadResult;
  rssMiB?: number;
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** A Markdown table: one row per target, then the ratio of each Ferry row against its scenario's baseline. */
export function table(rows: Row[], rate: number): string {
  const lines = [
    `| scenario | target | p50 ms @${rate} rps | p99 ms @${rate} rps | max req/s | p50 ms @max | p99 ms @max | errors | sidecar RSS MiB |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.target} | ${r.fixed ? f(r.fixed.p50) : '-'} | ${r.fixed ? f(r.fixed.p99) : '-'} | ${f(r.max.rps, 0)} | ${f(r.max.p50)} | ${f(r.max.p99)} | ${r.max.errors + r.max.non2xx + (r.fixed ? r.fixed.errors + r.fixed.non2xx : 0)} | ${r.rssMiB ?? '-'} |`,
    );
  }
  lines.push('', '| scenario | target vs baseline | max req/s ratio | p50 @fixed ratio | p99 @fixed ratio |', '|---|---|---|---|---|');
  const byScenario = new Map<string, Row[]>();
  for (const r of rows) byScenario.set(r.scenario, [...(byScenario.get(r.scenario) ?? []), r]);
  for (const [scenario, list] of byScenario) {
    const [base, ...others] = list;
    for (const o of others) {
      lines.push(
        `| ${scenario} | ${o.target} / ${base!.target} | ${f(o.max.rps / base!.max.rps, 2)} | ${o.fixed && base!.fixed ? f(o.fixed.p50 / Math.max(base!.fixed.p50, 0.01), 2) : '-'} | ${o.fixed && base!.fixed ? f(o.fixed.p99 / Math.max(base!.fixed.p99, 0.01), 2) : '-'} |`,
      );
    }
  }
  return lines.join('\n');
}
