/**
 * Ferry's own Dubbo 3 `MetadataService` (V1, `org.apache.dubbo.metadata.MetadataService:1.0.0`, group = the
 * application): a Java consumer doing application-level discovery asks it for the MetadataInfo of the revision
 * it found in Ferry's instance record, then calls the services listed there.
 */
import type { MetadataInfo } from '../../../discovery/app-level/metadata-info.js';
import { matchKey } from '../../../discovery/app-level/publish.js';
import { toJava } from '../../hessian/index.js';

export const METADATA_SERVICE = 'org.apache.dubbo.metadata.MetadataService';
const INFO_CLASS = 'org.apache.dubbo.metadata.MetadataInfo';
const SERVICE_CLASS = 'org.apache.dubbo.metadata.MetadataInfo$ServiceInfo';
const STRING = 'java.lang.String';
/** The Java classes' serialized fields (their transient ones are left out, as Java's Hessian does). */
const CLASSES = {
  [INFO_CLASS]: { app: STRING, revision: STRING, services: `java.util.Map<${STRING},${SERVICE_CLASS}>` },
  [SERVICE_CLASS]: {
    name: STRING,
    group: STRING,
    version: STRING,
    protocol: STRING,
    port: 'int',
    path: STRING,
    params: `java.util.Map<${STRING},${STRING}>`,
  },
};

/** The Hessian value of a MetadataInfo, as a Java provider's MetadataService returns it. */
export function metadataInfoValue(info: MetadataInfo): unknown {
  const services: Record<string, unknown> = {};
  for (const s of info.services) {
    services[matchKey(s)] = {
      name: s.name,
      group: s.group ?? null,
      version: s.version ?? null,
      protocol: s.protocol,
      port: s.port ?? 0,
      path: s.path ?? s.name,
      params: s.params,
    };
  }
  return toJava({ app: info.app, revision: info.revision, services }, INFO_CLASS, { classes: CLASSES });
}

/**
 * The answer to one MetadataService call: `getMetadataInfo(revision)` (an empty revision means the current
 * one; an unknown revision is null, as Java answers), or undefined for a method Ferry does not serve.
 */
export function metadataServiceAnswer(method: string, args: readonly unknown[], info: MetadataInfo): { value: unknown } | undefined {
  if (method !== 'getMetadataInfo') return undefined;
  const revision = typeof args[0] === 'string' ? args[0] : '';
  return { value: revision === '' || revision === info.revision ? metadataInfoValue(info) : null };
}
