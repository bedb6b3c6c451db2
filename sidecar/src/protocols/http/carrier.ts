import type { Carrier } from '../types.js';

export type HttpHeaders = Record<string, string | string[]>;

/** HTTP headers as a propagation carrier (names are lower case). */
export const httpCarrier: Carrier<HttpHeaders> = {
  get(headers, key) {
    const value = headers[key.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  },
  set(headers, key, value) {
    headers[key.toLowerCase()] = value;
  },
  keys(headers) {
    return Object.keys(headers);
  },
};
