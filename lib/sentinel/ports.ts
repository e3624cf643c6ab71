/**
 * Types shared by verify, drill and the two ways of reaching a topology (local processes, or a
 * deployed stack through Kubernetes port-forwards).
 */
import { ToolMissingError } from "../cli/errors";

/**
 * Who connects: an ACL user and its password (no username: Redis' `default` user), and, where
 * the servers speak TLS only, the CA (PEM) their certificates must chain to.
 */
export interface Credentials {
  readonly username?: string;
  readonly password: string;
  readonly tls?: { readonly ca: string };
}

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
  /**
   * The ACL user (the stack's `operator` for verify and drill; see lib/redis/acl.ts). Absent:
   * Redis' `default` user.
   */
  readonly username?: string;
  /** Its password, on Redis and on Sentinel (both have the same users). */
  readonly password: string;
  /** TLS with this CA, for Redis and Sentinel alike (`redisTls`). Absent: plaintext. */
  readonly tls?: { readonly ca: string };
  /**
   * Maps an address Sentinel announces (`host:port`) to the address this machine reaches it at;
   * `null` keeps the announced address. Needed for a cluster, where Sentinel announces pod
   * hostnames that only resolve inside the VPC. Defaults to the identity.
   */
  readonly natMap?: NatMapFunction;
  /**
   * How to name an address this machine connects to in messages, e.g. the pod and port behind a
   * local port-forward. Defaults to `host:port`.
   */
  readonly describe?: (reached: Endpoint) => string;
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
export class KubernetesClientUnavailableError extends ToolMissingError {
  constructor(message: string) {
    super(message);
    this.name = "KubernetesClientUnavailableError";
  }
}

/**
 * Nothing answers at any of these addresses: no sentinel listening, a name that does not
 * resolve, a port-forward that cannot open. Thrown within seconds, before any wait for a healthy
 * topology, so that a wrong target is not a minutes-long silent retry. The CLIs exit with
 * `ExitCode.redisUnreachable` (18) for it.
 */
export class RedisUnreachableError extends Error {
  readonly addresses: readonly string[];
  constructor(addresses: readonly string[], details: readonly string[] = []) {
    super(
      `cannot reach Redis/Sentinel at ${addresses.join(",")}` +
        (details.length > 0 ? ` (${details.join("; ")})` : ""),
    );
    this.name = "RedisUnreachableError";
    this.addresses = addresses;
  }
}

/**
 * How faults reach the topology: processes locally, pods on a cluster. The drill's orchestration
 * talks only to this port, so it runs against a fake in the unit tests.
 */
export interface FaultInjector {
  /** Kills the Redis node announced at `node` without warning (SIGKILL, or grace period 0). */
  crash(node: Endpoint): Promise<void>;
  /**
   * Stops the node the way Kubernetes stops its pod for a rolling update or a drain: the chart's
   * preStop hooks first (on the master: pause writes, fail over, wait for the new master), then
   * SIGTERM. Resolves once the node is down. `note` receives the hooks' steps for the timeline.
   */
  stop(node: Endpoint, note?: (text: string) => void): Promise<void>;
  /** Brings a crashed or stopped node back (locally a restart; on a cluster the StatefulSet does it). */
  restore(node: Endpoint): Promise<void>;
  /** Freezes the node for `ms` and lets it go on. Absent where it cannot be done. */
  stall?(node: Endpoint, ms: number): Promise<void>;
  /** Takes every Redis node and sentinel down. */
  stopAll(): Promise<void>;
  /** Brings every Redis node and sentinel back. */
  startAll(): Promise<void>;
  /** Announced addresses of every Redis node, in StatefulSet ordinal order (node-0 first). */
  nodes(): Endpoint[];
}

/** Sentinel commands the drill issues itself, behind a port so the orchestration can be faked. */
export interface SentinelAdmin {
  /** The master the first answering sentinel names, or undefined when none answers. */
  master(): Promise<Endpoint | undefined>;
  /** `SENTINEL FAILOVER <set>` on the first sentinel that accepts it. */
  failover(): Promise<void>;
}
