import { dflt, num, obj, oneOf, str, type Infer } from '../../config/dsl.js';

/** `registries.<name>` with `type: zookeeper` (the default type). */
export const zookeeperSchema = obj({
  type: dflt(oneOf(['zookeeper'] as const), 'zookeeper'),
  /** Comma-separated `host:port` list. */
  address: str((v) => (v.split(',').every((a) => /^[\w.-]+:\d+$/.test(a.trim())) ? undefined : 'expected host:port[,host:port…]')),
  root: dflt(str((v) => (v.startsWith('/') ? undefined : 'must start with /')), '/dubbo'),
  sessionTimeoutMs: dflt(num({ int: true, min: 1 }), 30000),
  /** How long to wait for the first connection before `/readyz` reports the registry as down. */
  connectTimeoutMs: dflt(num({ int: true, min: 1 }), 10000),
});

export type ZooKeeperConfig = Infer<typeof zookeeperSchema>;
