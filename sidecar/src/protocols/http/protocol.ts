import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_URL_FULL } from '../../observability/semconv.js';
import type { Protocol } from '../types.js';
import { answeredByUpstream } from '../../pipeline/observe.js';
import { createHttpClient } from './client.js';
import type { HttpServiceConfig } from './schema.js';

export const httpProtocol: Protocol<HttpServiceConfig> = {
  name: 'http',
  schemes: [],
  serviceKey: (service) => ({ interface: service.name }),
  createClient: () => createHttpClient(),
  telemetry: () => ({
    spanName: (call) => (call.http ? call.http.method : `POST ${call.method}`),
    spanAttributes(call, endpoint) {
      const method = call.http?.method ?? 'POST';
      try {
        const base = new URL(endpoint.address);
        const path = call.http ? call.http.path.split('?')[0] : `/${encodeURIComponent(call.method)}`;
        return { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_FULL]: `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}` };
      } catch {
        return { [ATTR_HTTP_REQUEST_METHOD]: method };
      }
    },
    outcomeAttributes: (_reply, status) => (typeof status === 'number' ? { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status } : undefined),
    methodAccepted: answeredByUpstream,
    declaredMethodsOnly: true,
  }),
};
