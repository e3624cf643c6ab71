/**
 * Types shared by verify, drill and the two ways of reaching a topology (local processes, or a
 * deployed stack through Kubernetes port-forwards).
 */

/** A host and port, as Sentinel announces it or as we reach it. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Maps an announced `host:port` to a reachable address, or `null` to keep it. The same shape as
 * ioredis' function form of `natMap`, so it can be passed to ioredis as is.
 */
export type NatMapFunction = (key: string) => { host: string; port: number } | null;

/** How to reach one Sentinel-managed topology. */
export interface ConnectionSettings {
  /** Sentinels as this machine reaches them (local ports, or forwarded ports for a cluster). */
  readonly sentinels: readonly Endpoint[];
  /** Sentinel master set name, e.g. "mymaster". */
  readonly masterSet: string;
  /** Password of Redis and of Sentinel (the chart and the local topology use one for both). */
  readonly password: string;
  /**
   * Maps an address Sentinel announces (`host:port`) to the address this machine reaches it at;
   * `null` keeps the announced address. Needed for a cluster, where Sentinel announces pod
   * hostnames that only resolve inside the VPC. Defaults to the identity.
   */
  readonly natMap?: NatMapFunction;
}

export function endpointKey(endpoint: Endpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

/** The address to connect to for an announced address, after the NAT map. */
export function reachable(settings: ConnectionSettings, announced: Endpoint): Endpoint {
  return settings.natMap?.(endpointKey(announced)) ?? announced;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `@kubernetes/client-node` could not be loaded: cluster mode cannot run here. */
export class KubernetesClientUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubernetesClientUnavailableError";
  }
}
