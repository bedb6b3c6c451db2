/** One address that serves a service. Discovery never looks inside payloads. */
export interface Endpoint {
  /** Stable identity, e.g. `127.0.0.1:20880` or an URL origin: used by balancers, breakers and pools. */
  id: string;
  /** What the protocol client dials: an URL (`http://h:p/base`) or `host:port`. */
  address: string;
  host: string;
  port: number;
  /** Relative weight for weighted balancers (default 100, as in Dubbo). */
  weight: number;
  /** Protocol parameters from the registry (a Dubbo URL's query, e.g. `token`, `timeout`, `methods`). */
  params: Record<string, string>;
}

export type EndpointListener = (endpoints: readonly Endpoint[]) => void;

/** Answers "which endpoints serve this service now" and pushes changes. */
export interface EndpointSource {
  current(): readonly Endpoint[];
  /** Resolves once the first answer arrived (an empty list counts). */
  ready(): Promise<void>;
  subscribe(listener: EndpointListener): () => void;
  close(): Promise<void>;
}
