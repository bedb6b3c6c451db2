/**
 * What Ferry needs from a Nacos naming server, independent of the wire: the v1 HTTP open API is the one
 * transport today (Nacos 1.x/2.x serve it, 3.x behind its legacy switch, r-nacos only it); a v2/v3 HTTP or gRPC
 * transport implements the same interface.
 */

/** One instance of a Nacos service, as listed. */
export interface NacosInstance {
  ip: string;
  port: number;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  ephemeral: boolean;
  clusterName: string;
  metadata: Record<string, string>;
}

/** Where a service lives: namespace (empty = `public`), group (default `DEFAULT_GROUP`), name. */
export interface NacosServiceKey {
  namespaceId: string;
  groupName: string;
  serviceName: string;
}

/** An ephemeral instance Ferry registers (and heartbeats) for itself. */
export interface NacosInstanceSpec extends NacosServiceKey {
  ip: string;
  port: number;
  weight?: number;
  clusterName?: string;
  metadata: Record<string, string>;
}

export interface NacosBeatResult {
  /** The server's wanted heartbeat interval. */
  intervalMs: number;
  /** False when the server no longer knows the instance (restarted, expired): register again. */
  known: boolean;
}

export interface NacosTransport {
  /** Healthy and unhealthy instances of a service (callers filter); an unknown service is an empty list. */
  listInstances(key: NacosServiceKey): Promise<NacosInstance[]>;
  /** The names of a group's services (without the `group@@` prefix). */
  listServices(namespaceId: string, groupName: string): Promise<string[]>;
  register(instance: NacosInstanceSpec): Promise<void>;
  beat(instance: NacosInstanceSpec): Promise<NacosBeatResult>;
  deregister(instance: NacosInstanceSpec): Promise<void>;
  /** A config item's content (Dubbo keeps its interface → app mapping there), undefined when absent. */
  getConfig(namespaceId: string, group: string, dataId: string): Promise<string | undefined>;
  publishConfig(namespaceId: string, group: string, dataId: string, content: string): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_GROUP = 'DEFAULT_GROUP';
