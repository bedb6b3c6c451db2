import type { ProtocolPlugin } from '../types.js';
import { tripleServiceSchema, type TripleServiceConfig } from './schema.js';
import { checkProtoFiles, resolveProtoPaths } from '../grpc/schema.js';

/** `protocol: triple`: Dubbo 3's Triple — IDL services as gRPC, plain-Java-interface services as HTTP/JSON; `tri://` providers. */
export const triple: ProtocolPlugin<TripleServiceConfig> = {
  name: 'triple',
  schema: tripleServiceSchema,
  resolvePaths: resolveProtoPaths,
  checkFiles: checkProtoFiles,
  load: async () => (await import('./protocol.js')).tripleProtocol,
};
