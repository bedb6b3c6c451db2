/**
 * Dubbo 3 service metadata in Nacos: when the registry doubles as the metadata center (Dubbo's default), each
 * provider publishes its ServiceDefinition as the config item dataId `{interface}:{version}:{group}:provider:{app}`
 * (empty parts kept), group `dubbo` — the same JSON ZooKeeper holds under `/dubbo/metadata/…`.
 *
 * Answers from memory: only the first ask for a provider waits, at most FIRST_READ_WAIT_MS; a known definition
 * is re-read in the background after REFRESH_MS, a miss is asked again after MISS_RETRY_MS.
 */
import type { Logger } from '../../observability/logger.js';
import type { MetadataKey, ServiceDefinition } from '../types.js';
import { parseServiceDefinition } from '../zookeeper/metadata.js';
import type { NacosTransport } from './types.js';

export const METADATA_GROUP = 'dubbo';
const FIRST_READ_WAIT_MS = 1000;
const REFRESH_MS = 60_000;
const MISS_RETRY_MS = 10_000;
const MAX_ENTRIES = 1000;

export function metadataDataId(key: MetadataKey): string {
  return `${key.interface}:${key.version ?? ''}:${key.group ?? ''}:provider:${key.application}`;
}

interface Entry {
  value: ServiceDefinition | undefined;
  readAt: number;
  reading?: Promise<void>;
}

export function createNacosMetadataReader(transport: NacosTransport, namespaceId: string, logger?: Logger) {
  const entries = new Map<string, Entry>();
  const read = (dataId: string, entry: Entry) =>
    (entry.reading ??= transport
      .getConfig(namespaceId, METADATA_GROUP, dataId)
      .then((text) => {
        entry.value = text ? parseServiceDefinition(text) : undefined;
      })
      .catch((err: unknown) => logger?.debug({ err: (err as Error).message, dataId }, 'nacos: could not read Dubbo metadata'))
      .finally(() => {
        entry.readAt = Date.now();
        delete entry.reading;
      }));
  return {
    async get(key: MetadataKey): Promise<ServiceDefinition | undefined> {
      const dataId = metadataDataId(key);
      let entry = entries.get(dataId);
      if (!entry) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(dataId, (entry = { value: undefined, readAt: 0 }));
        const first = read(dataId, entry);
        await Promise.race([first, new Promise((r) => setTimeout(r, FIRST_READ_WAIT_MS).unref())]);
        return entry.value;
      }
      const age = Date.now() - entry.readAt;
      if (entry.readAt && age > (entry.value ? REFRESH_MS : MISS_RETRY_MS)) void read(dataId, entry);
      return entry.value;
    },
  };
}
