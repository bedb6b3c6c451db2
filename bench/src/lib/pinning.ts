/**
 * CPU placement: the load generator on one core, the target under test and its upstream on another, so the
 * generator never steals the target's cycles (`taskset`). Override with FERRY_BENCH_LOAD_CPU /
 * FERRY_BENCH_SERVICE_CPU (cpu lists as taskset reads them, e.g. "2" or "2,3").
 */
export const LOAD_CORE = process.env.FERRY_BENCH_LOAD_CPU ?? '0';
export const SERVICE_CORE = process.env.FERRY_BENCH_SERVICE_CPU ?? '1';
