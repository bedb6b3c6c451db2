import type { Endpoint } from '../../discovery/types.js';
import type { Call } from '../../pipeline/types.js';

/** Chooses one endpoint among the healthy candidates (never called with an empty list). */
export interface Balancer {
  pick(endpoints: readonly Endpoint[], call: Call): Endpoint;
  /** In-flight accounting for balancers that need it (least-active). */
  onStart?(endpoint: Endpoint): void;
  onEnd?(endpoint: Endpoint): void;
}
