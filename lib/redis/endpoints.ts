/**
 * In-cluster names of what chart 23.1.1 creates in sentinel mode, with `fullnameOverride` set
 * to the release name (see `chartValues`), so `<fullname>` below is exactly the release name:
 * - `templates/sentinel/service.yaml`: Service `<fullname>` with ports `tcp-redis`
 *   (`sentinel.service.ports.redis`, 6379, to every node) and `tcp-sentinel`
 *   (`sentinel.service.ports.sentinel`, 26379); and, when `sentinel.masterService.enabled`,
 *   Service `<fullname>-master` (`sentinel.masterService.ports.redis`, 6379) selecting the pod
 *   labelled `isMaster: "true"`.
 * - `templates/headless-svc.yaml`: headless Service `<fullname>-headless`
 *   (`publishNotReadyAddresses: true` in sentinel mode).
 * - `templates/sentinel/statefulset.yaml`: StatefulSet `<fullname>-node` with
 *   `serviceName: <fullname>-headless`, so pod `i` is `<fullname>-node-<i>.<fullname>-headless`.
 */
import { RedisConfig } from "../config/configTypes";
import { CLUSTER_DOMAIN, REDIS_PORT, SENTINEL_PORT } from "./defaults";

export interface RedisEndpoints {
  /** `<release>.<ns>.svc.cluster.local:26379`: the Service in front of every sentinel. */
  readonly sentinelEndpoint: string;
  /** `<release>-node-<i>.<release>-headless.<ns>.svc.cluster.local`, one per node. */
  readonly sentinelHosts: string[];
  /** `<release>-master.<ns>.svc.cluster.local:6379`, when the master Service is on. */
  readonly masterEndpoint?: string;
  /** The names of the objects above, for verification tools. */
  readonly serviceName: string;
  readonly headlessServiceName: string;
  readonly statefulSetName: string;
  readonly masterServiceName?: string;
}

export function redisEndpoints(cfg: RedisConfig): RedisEndpoints {
  const release = cfg.releaseName;
  const suffix = `${cfg.namespace}.svc.${CLUSTER_DOMAIN}`;
  const headless = `${release}-headless`;
  const statefulSet = `${release}-node`;
  const sentinelHosts = Array.from(
    { length: cfg.nodes },
    (_, i) => `${statefulSet}-${i}.${headless}.${suffix}`,
  );
  const base = {
    sentinelEndpoint: `${release}.${suffix}:${SENTINEL_PORT}`,
    sentinelHosts,
    serviceName: release,
    headlessServiceName: headless,
    statefulSetName: statefulSet,
  };
  if (!cfg.masterService) {
    return base;
  }
  return {
    ...base,
    masterEndpoint: `${release}-master.${suffix}:${REDIS_PORT}`,
    masterServiceName: `${release}-master`,
  };
}
