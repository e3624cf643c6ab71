/**
 * Defaults for the Redis part of the stack config, which the config key table
 * (`lib/config/keys.ts`) takes, the limits the chart puts on them, and the fixed sizes of the
 * chart's helper containers. Each says why it has its value.
 */
import { ContainerResources } from "../config/configTypes";

/** The Bitnami chart's OCI location (Bitnami moved its charts to Docker Hub OCI in 2023). */
export const DEFAULT_CHART = "oci://registry-1.docker.io/bitnamicharts/redis";

/** The chart version every value in `chartValues` is checked against (`chartKeys.ts`). */
export const PINNED_CHART_VERSION = "23.1.1";

/** Redis 8.2.1, the app version chart 23.1.1 ships (Debian's own package is 7.0.15). */
export const CHART_APP_VERSION = "8.2.1";

/**
 * Chart 23.1.1 only runs its cluster-recovery loop when `sentinel.downAfterMilliseconds` is at
 * most this (`templates/scripts-configmap.yaml`, start-node.sh:
 * `if and .Values.sentinel.automateClusterRecovery (le (int .Values.sentinel.downAfterMilliseconds) 2000)`).
 */
export const AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS = 2000;

/**
 * The longest release name: the StatefulSet `<release>-node` gets a `controller-revision-hash`
 * pod label `<release>-node-<hash of up to 10 characters>`, and label values stop at 63.
 */
export const MAX_RELEASE_NAME_LENGTH = 63 - "-node".length - 11;

/** Per-node data volume; the origin's size (one 8 GiB volume per pod). */
export const DEFAULT_PERSISTENCE_SIZE = "8Gi";

/**
 * The StorageClass of the Redis volumes in aws mode: the encrypted gp3 class the stack creates
 * (components/cluster.ts). In clusterOnly mode the cluster's default class is used instead.
 */
export const AWS_STORAGE_CLASS = "gp3";

/** The largest per-node volume: an EBS gp3 (and gp2) volume holds at most 16 TiB. */
export const MAX_PERSISTENCE_SIZE = "16Ti";

/** The smallest per-node volume: EBS volumes start at 1 GiB. */
export const MIN_PERSISTENCE_SIZE = "1Gi";

/** Kubernetes cluster DNS domain (EKS does not change it); also the chart's `clusterDomain`. */
export const CLUSTER_DOMAIN = "cluster.local";

/** The key of the password in the Secret the component creates (the chart's own key name). */
export const PASSWORD_KEY = "redis-password";

/** Redis port in the chart (`replica.containerPorts.redis`, `sentinel.service.ports.redis`). */
export const REDIS_PORT = 6379;

/** Sentinel port in the chart (`sentinel.containerPorts.sentinel`, `sentinel.service.ports`). */
export const SENTINEL_PORT = 26379;

/** Exporter port in the chart (`metrics.containerPorts.http`, `metrics.service.ports.http`). */
export const METRICS_PORT = 9121;

/**
 * The Redis container, sized for one node per m7i.large (2 vCPU, 8 GiB; about 1.9 vCPU and
 * 7 GiB allocatable), which hard anti-affinity guarantees: 3 GiB leaves room for the system
 * daemons and other pods. Memory request = limit, so the scheduler never overcommits the node
 * under Redis. No CPU limit: Redis is latency-sensitive and CFS throttling shows up as
 * sentinel ping timeouts (failovers); the 0.5 vCPU request reserves its main thread's share.
 * `maxmemory` is derived from the memory limit (see `maxmemoryDirective`).
 */
export const DEFAULT_REDIS_RESOURCES: ContainerResources = Object.freeze({
  requests: { cpu: "500m", memory: "3Gi" },
  limits: { memory: "3Gi" },
});

/** The Sentinel container: one small process plus its bash start and pre-stop scripts. */
export const DEFAULT_SENTINEL_RESOURCES: ContainerResources = Object.freeze({
  requests: { cpu: "100m", memory: "128Mi" },
  limits: { memory: "128Mi" },
});

/** The exporter (`metrics.resources`); fixed, it scrapes one local Redis every 30 s. */
export const METRICS_RESOURCES: ContainerResources = Object.freeze({
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { memory: "128Mi" },
});

/**
 * The `kubectl-shared` container (`kubectl.resources`; the chart's default is none at all):
 * a bash loop that runs `kubectl label` after a failover.
 */
export const KUBECTL_RESOURCES: ContainerResources = Object.freeze({
  requests: { cpu: "10m", memory: "64Mi" },
  limits: { memory: "128Mi" },
});

/**
 * Share of the Redis container's memory limit given to `maxmemory`. The rest covers what Redis
 * uses outside its data set: copy-on-write pages while a fork writes the AOF rewrite or a
 * replica's full sync, replication and client output buffers. Without a `maxmemory` a growing
 * data set meets the cgroup limit and the OOM killer instead, which kills the master, fails
 * over, and repeats on the new master with the same data.
 */
export const MAXMEMORY_FRACTION = 0.6;
