/**
 * Pure naming for cluster mode: which pods a release runs, the hostnames Sentinel announces for
 * them, and the NAT map from those announced addresses to local port-forwards.
 *
 * Chart 23.1.1 in sentinel mode runs one StatefulSet `<release>-node` behind the headless
 * service `<release>-headless`; with `sentinel.useHostnames` (its default) Sentinel announces
 * `<release>-node-<i>.<release>-headless.<namespace>.svc.cluster.local` on 6379 and 26379.
 */
import { NatMapFunction } from "../sentinel/ports";

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;

/** Pod names of the release's Redis nodes: `<release>-node-0` … `<release>-node-<n-1>`. */
export function podNames(releaseName: string, nodes = 3): string[] {
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new Error(`nodes: ${nodes} is not allowed; use an integer of at least 1`);
  }
  return Array.from({ length: nodes }, (_, i) => `${releaseName}-node-${i}`);
}

export function headlessServiceName(releaseName: string): string {
  return `${releaseName}-headless`;
}

/** The fully qualified hostname Sentinel announces for a pod. */
export function announcedHostname(
  podName: string,
  releaseName: string,
  namespace: string,
  clusterDomain = "cluster.local",
): string {
  return `${podName}.${headlessServiceName(releaseName)}.${namespace}.svc.${clusterDomain}`;
}

/**
 * The pod an announced host belongs to, or undefined when it is none of this release's pods.
 * Accepts the pod name itself, any suffix of the headless-service FQDN (any cluster domain), and
 * a pod IP found in `podIps` (for a chart with `useHostnames: false`).
 */
export function podNameForHost(
  host: string,
  releaseName: string,
  namespace: string,
  podIps: ReadonlyMap<string, string> = new Map(),
): string | undefined {
  const byIp = podIps.get(host);
  if (byIp !== undefined) {
    return byIp;
  }
  const [first, ...rest] = host.split(".");
  const podPattern = new RegExp(`^${escapeRegExp(releaseName)}-node-\\d+$`);
  if (!podPattern.test(first)) {
    return undefined;
  }
  const domain = rest.join(".");
  const service = headlessServiceName(releaseName);
  const accepted =
    domain === "" ||
    domain === service ||
    domain === `${service}.${namespace}` ||
    domain === `${service}.${namespace}.svc` ||
    domain.startsWith(`${service}.${namespace}.svc.`);
  return accepted ? first : undefined;
}

/** One local port forwarded to a pod port. */
export interface ForwardedPort {
  readonly podName: string;
  readonly remotePort: number;
  readonly localHost: string;
  readonly localPort: number;
}

/** Splits "host:port" (the key ioredis passes to natMap); the port is after the last colon. */
export function splitAddressKey(key: string): { host: string; port: number } | undefined {
  const colon = key.lastIndexOf(":");
  if (colon <= 0) {
    return undefined;
  }
  const port = Number(key.slice(colon + 1));
  return Number.isInteger(port) && port > 0 ? { host: key.slice(0, colon), port } : undefined;
}

/**
 * An ioredis natMap function: an announced `host:port` of one of the release's pods maps to its
 * local forward; anything else maps to null (kept as is).
 */
export function buildNatMap(
  forwards: readonly ForwardedPort[],
  releaseName: string,
  namespace: string,
  podIps: ReadonlyMap<string, string> = new Map(),
): NatMapFunction {
  const byPodPort = new Map(forwards.map((f) => [`${f.podName}:${f.remotePort}`, f]));
  return (key: string) => {
    const address = splitAddressKey(key);
    if (!address) {
      return null;
    }
    const pod = podNameForHost(address.host, releaseName, namespace, podIps);
    const forward = pod === undefined ? undefined : byPodPort.get(`${pod}:${address.port}`);
    return forward ? { host: forward.localHost, port: forward.localPort } : null;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
