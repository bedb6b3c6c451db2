/**
 * Calls a Dubbo 3 instance's own MetadataService for a revision's MetadataInfo:
 *  - V1 (`org.apache.dubbo.metadata.MetadataService:1.0.0`, group = the app) over the Dubbo protocol. Java
 *    exports it with `service.filter=-default`, which refuses generic `$invoke`: the call is typed,
 *    `getMetadataInfo(java.lang.String revision)`.
 *  - V2 (`org.apache.dubbo.metadata.MetadataServiceV2/GetMetadataInfo`, protobuf) over Triple, exported when
 *    the app serves Triple; plain gRPC from grpc-js.
 * One short-lived connection per fetch: it happens once per revision.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { createLogger, type Logger } from '../../observability/logger.js';
import { DubboConnection } from './connection.js';
import { DUBBO_PROTOCOL_VERSION, decodeErrorBody, decodeResponseBody, encodeRequestBody } from './body.js';
import { DubboStatus } from './status.js';
import { fromJava } from '../hessian/index.js';
import { metadataServiceOf, revisionOf, type AppInstance } from '../../discovery/app-level/instance.js';
import { parseMetadataInfo, type MetadataInfo } from '../../discovery/app-level/metadata-info.js';
import type { MetadataFetcher } from '../../discovery/app-level/revisions.js';

const V1_INTERFACE = 'org.apache.dubbo.metadata.MetadataService';
const V2_SERVICE = 'org.apache.dubbo.metadata.MetadataServiceV2';
const MAX_PAYLOAD = 8 * 1024 * 1024;

let quiet: Logger | undefined;

/** V1 over the Dubbo protocol. */
export async function fetchMetadataV1(
  instance: AppInstance,
  revision: string,
  port: number,
  version: string,
  signal: AbortSignal,
  logger?: Logger,
): Promise<MetadataInfo> {
  const id = `${instance.host}:${port}`;
  const conn = new DubboConnection({
    host: instance.host,
    port,
    id,
    maxPayload: MAX_PAYLOAD,
    heartbeatMs: 60_000,
    connectTimeoutMs: 3000,
    logger: logger ?? (quiet ??= createLogger('silent')),
  });
  try {
    const body = encodeRequestBody({
      dubboVersion: DUBBO_PROTOCOL_VERSION,
      path: V1_INTERFACE,
      version,
      method: 'getMetadataInfo',
      parameterDesc: 'Ljava/lang/String;',
      args: [revision],
      attachments: { path: V1_INTERFACE, interface: V1_INTERFACE, version, group: instance.app, timeout: '5000' },
    });
    const frame = await conn.request(body, true, signal);
    if (!frame) throw new Error('no answer');
    if (frame.status !== DubboStatus.OK) throw new Error(`MetadataService of ${id}: status ${frame.status} ${decodeErrorBody(frame.body)}`);
    const result = decodeResponseBody(frame.body);
    if (result.kind !== 'value')
      throw new Error(`MetadataService of ${id} answered ${result.kind === 'null' ? 'null' : 'an exception'} for revision ${revision}`);
    return parseMetadataInfo(fromJava(result.value, undefined, { generic: true }));
  } finally {
    conn.close();
  }
}

// the messages of metadata_service_v2.proto that GetMetadataInfo needs (the rest is not read)
const v2Root = protobuf.Root.fromJSON({
  // map fields (keyType) are IMapField, which the INamespace typing does not admit

  nested: {
    MetadataRequest: { fields: { revision: { type: 'string', id: 1 } } },
    MetadataInfoV2: {
      fields: {
        app: { type: 'string', id: 1 },
        version: { type: 'string', id: 2 },
        services: { keyType: 'string', type: 'ServiceInfoV2', id: 3 },
      },
    },
    ServiceInfoV2: {
      fields: {
        name: { type: 'string', id: 1 },
        group: { type: 'string', id: 2 },
        version: { type: 'string', id: 3 },
        protocol: { type: 'string', id: 4 },
        port: { type: 'int32', id: 5 },
        path: { type: 'string', id: 6 },
        params: { keyType: 'string', type: 'string', id: 7 },
      },
    },
  },
} as protobuf.INamespace);
const MetadataRequest = v2Root.lookupType('MetadataRequest');
const MetadataInfoV2 = v2Root.lookupType('MetadataInfoV2');

/** V2 over Triple (gRPC). */
export async function fetchMetadataV2(instance: AppInstance, revision: string, port: number, signal: AbortSignal): Promise<MetadataInfo> {
  const client = new grpc.Client(`${instance.host}:${port}`, grpc.credentials.createInsecure());
  try {
    const metadata = new grpc.Metadata();
    metadata.set('tri-service-group', instance.app);
    metadata.set('tri-service-version', '2.0.0');
    const answer = await new Promise<protobuf.Message>((resolve, reject) => {
      const call = client.makeUnaryRequest(
        `/${V2_SERVICE}/GetMetadataInfo`,
        (req: { revision: string }) => Buffer.from(MetadataRequest.encode(MetadataRequest.create(req)).finish()),
        (buf: Buffer) => MetadataInfoV2.decode(buf),
        { revision },
        metadata,
        { deadline: Date.now() + 5000 },
        (err, value) => (err ? reject(err) : resolve(value!)),
      );
      signal.addEventListener('abort', () => call.cancel(), { once: true });
    });
    return parseMetadataInfo(MetadataInfoV2.toObject(answer, { defaults: false }));
  } finally {
    client.close();
  }
}

/** The fetcher for `storage-type: local` instances: V2 over Triple when that is what the instance offers, else V1. */
export function metadataServiceFetcher(logger?: Logger): MetadataFetcher {
  return (instance, signal) => {
    const revision = revisionOf(instance);
    const ref = metadataServiceOf(instance);
    if (!revision || !ref)
      return Promise.reject(
        new Error(`instance ${instance.host}:${instance.port} of ${instance.app} names no revision or MetadataService`),
      );
    if (ref.protocol === 'tri') return fetchMetadataV2(instance, revision, ref.port, signal);
    if (ref.protocol !== 'dubbo') return Promise.reject(new Error(`MetadataService over ${ref.protocol} is not supported (dubbo or tri)`));
    return fetchMetadataV1(instance, revision, ref.port, ref.version, signal, logger);
  };
}
