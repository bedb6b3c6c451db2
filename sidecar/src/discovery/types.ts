import type { Node } from '../config/dsl.js';
import type { Logger } from '../observability/logger.js';
import type { DiscoveryMode } from './mode.js';
import type { MetadataFetcher } from './app-level/revisions.js';
import type { MetadataInfo } from './app-level/metadata-info.js';

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

/** How registries name a service (Dubbo's interface / version / group). */
export interface ServiceKey {
  interface: string;
  /** Consumer side: exact, `*`, or absent (only providers without a version). */
  version?: string;
  /** Consumer side: exact, `*`, a comma list, or absent (only providers without a group). */
  group?: string;
}

/** What a consumer watches: a service's providers that speak `scheme` (`dubbo`, `tri`, `jsonrpc`). */
export interface ServiceQuery extends ServiceKey {
  scheme: string;
  /**
   * The service's name in registries that find services by application rather than by interface (a Eureka
   * application, a Nacos service name): `services.<name>.app`.
   */
  app?: string;
  /** The service's own `discovery` mode (absent: the registry's). */
  discovery?: DiscoveryMode;
  /** Application level: these provider applications instead of the registry's interface → app mapping. */
  providedBy?: readonly string[];
}

/** What a registry can find services by: a Dubbo interface (`ServiceKey`), or an application name (`app`). */
export type ServiceLookup = 'interface' | 'app';

/** One provider or consumer record as Dubbo registries hold it: `scheme://host:port/interface?params`. */
export interface ServiceInstance {
  scheme: string;
  host: string;
  port: number;
  interface: string;
  /** `version`, `group`, `application`, `methods`, `side`… (what Java peers read). */
  params: Readonly<Record<string, string>>;
}

/**
 * Ferry as a Dubbo 3 provider at application level (`registerMode: instance | all`): one instance of the app
 * whose record names the MetadataInfo revision, found by Java consumers through the interface → app mapping;
 * they then ask the instance's own MetadataService (Ferry answers it on its Dubbo port) for that revision.
 */
export interface ApplicationInstance {
  application: string;
  host: string;
  /** The Dubbo port (services and MetadataService). */
  port: number;
  metadata: MetadataInfo;
}

/** A record Ferry keeps in a registry for as long as it lives (re-created after a session loss). */
export interface Registration {
  /** Where it lives, for logs (a ZooKeeper path, a Nacos service name). */
  readonly id: string;
  /**
   * Shows the record as (un)healthy without removing it (Eureka's `DOWN`). Registrations without one are
   * closed while the app is unhealthy and made again when it recovers (see `health-following.ts`).
   */
  setHealthy?(healthy: boolean): Promise<void>;
  close(): Promise<void>;
}

/** The app itself as a registry record (not a Dubbo provider): what callers that find it by name dial. */
export interface AppInstance {
  /** `application` (Eureka upper-cases it). */
  name: string;
  /** The pod address (`advertiseHost`). */
  host: string;
  /** The app's own port (`inbound.app.url`): callers reach the app directly. */
  port: number;
  /** The app's health URL when Ferry probes one (shown in the record, as Spring's clients publish theirs). */
  healthUrl?: string;
}

export interface MethodDefinition {
  name: string;
  parameterTypes: string[];
  returnType: string;
}

/** A provider's published service definition (Dubbo 3 metadata): method signatures and POJO field types. */
export interface ServiceDefinition {
  canonicalName: string;
  methods: MethodDefinition[];
  /** POJO field types by class name (JDK classes left out: Ferry knows those itself). */
  classes: Record<string, Record<string, string>>;
}

export interface MetadataKey {
  interface: string;
  version?: string;
  group?: string;
  /** The provider's `application` (from its registry record). */
  application: string;
}

/** A registry's connection, for the `ferry_zookeeper_*` gauges (other types report the same states). */
export type RegistryState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

/** One configured registry (`registries.<name>`): a ZooKeeper ensemble, a Nacos server… */
export interface Registry {
  readonly name: string;
  readonly type: string;
  /** The providers of a service, pushed as they change; the last good list stays while the registry is away. */
  watch(query: ServiceQuery): EndpointSource;
  /** Publishes a provider (Ferry as a Dubbo provider) or a consumer record until the registration is closed. */
  register(instance: ServiceInstance, role: 'provider' | 'consumer'): Promise<Registration>;
  /** Publishes the app at application level (instance record + interface → app mapping) until closed. */
  registerApplication?(instance: ApplicationInstance): Promise<Registration>;
  /** Registers the app under its name until the registration is closed (registries whose plug-in `registersApps`). */
  registerApp?(app: AppInstance): Promise<Registration>;
  /** The provider's service definition, when the registry carries metadata (cached; never throws). */
  metadata?(key: MetadataKey): Promise<ServiceDefinition | undefined>;
  /** Follows the registry's connection state; returns the unsubscribe. */
  onState?(listener: (state: RegistryState) => void): () => void;
  /** Releases what this handle holds (sessions are shared between handles of the same registry). */
  close(): Promise<void>;
}

export interface RegistryContext {
  logger: Logger;
  /**
   * Asks a Dubbo 3 instance's own MetadataService for a revision's MetadataInfo (application-level discovery,
   * `storage-type: local`). Given by the protocols layer; without it only metadata reports are read.
   */
  appMetadata?: MetadataFetcher;
}

/** Makes a handle on one configured registry of its type. */
export type RegistryFactory<C extends { type: string } = { type: string }> = (name: string, config: C, ctx: RegistryContext) => Registry;

/**
 * A registry type: a folder under `discovery/` exporting one of these (its `type`, its config schema, what it
 * finds, and `load()`, which imports its client and returns the factory) and one line in `discovery/index.ts`.
 * Only the types a config declares are loaded: a config without registries never opens their code.
 */
export interface RegistryPlugin<C extends { type: string } = { type: string }> {
  readonly type: string;
  readonly schema: Node<C>;
  /** What its `watch` finds services by (default: `interface`); config naming another is refused. */
  readonly finds?: readonly ServiceLookup[];
  /** True when its registries implement `registerApp` (`inbound.app.register` may name them). */
  readonly registersApps?: boolean;
  load(): Promise<RegistryFactory<C>>;
}

/** A plug-in as the registry of registries holds it: its config type erased. */
export interface RegistryEntry {
  readonly type: string;
  readonly schema: Node<{ type: string }>;
  readonly finds?: readonly ServiceLookup[];
  readonly registersApps?: boolean;
  load(): Promise<(name: string, config: never, ctx: RegistryContext) => Registry>;
}
