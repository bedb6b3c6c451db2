import { dflt, num, obj, oneOf, str, type Infer } from '../../config/dsl.js';
import { discoveryFields } from '../mode.js';

/** `registries.<name>` with `type: zookeeper` (the default type). */
export const zookeeperSchema = obj({
  type: dflt(oneOf(['zookeeper'] as const), 'zookeeper'),
  /** Comma-separated `host:port` list. */
  address: str((v) => (v.split(',').every((a) => /^[\w.-]+:\d+$/.test(a.trim())) ? undefined : 'expected host:port[,host:port…]')),
  root: dflt(str((v) => (v.startsWith('/') ? undefined : 'must start with /')), '/dubbo'),
  sessionTimeoutMs: dflt(num({ int: true, min: 1 }), 30000),
  /** How long to wait for the first connection before `/readyz` reports the registry as down. */
  connectTimeoutMs: dflt(num({ int: true, min: 1 }), 10000),
  ...discoveryFields,
  /**
   * Application-level discovery re-reads the apps' instances at least this often (changes of the instance list
   * are seen at once through a watch; this bounds how long a new revision or a new app in the mapping waits).
   */
  instancePollMs: dflt(num({ int: true, min: 100 }), 5000),
});

export type ZooKeeperConfig = Infer<typeof zookeeperSchema>;
