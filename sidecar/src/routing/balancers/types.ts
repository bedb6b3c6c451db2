/** The balance interceptor owns the contract; each balancer here implements it. */
export type { Balancer } from '../../pipeline/balance.js';
