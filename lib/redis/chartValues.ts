/**
 * The values for the Bitnami redis chart 23.1.1, as ONE pure function of the typed config.
 *
 * In sentinel mode the chart renders a single StatefulSet `<fullname>-node` for every node
 * (`templates/sentinel/statefulset.yaml`): it reads `replica.*` for the pods and the Redis
 * container, `sentinel.*` for the Sentinel container, its Services, the PVC retention policy and
 * the pod's grace period, and never `master.*`. Each value below names its section and the
 * template that reads it; docs/redis.md explains the choices.
 *
 * No password is in the values: the chart's internal one lives in a Secret the component creates,
 * which `auth.existingSecret` names, and the ACL users (lib/redis/acl.ts) in another one, which
 * every pod mounts at `ACL_MOUNT_PATH`.
 */
import { ContainerResources, ImageRef, RedisConfig } from "../config/configTypes";
import { POD_SHUTDOWN, REPLICA_PRIORITY_BASE, redisServerDirectives } from "../tuning";
import {
  CLUSTER_DOMAIN,
  KUBECTL_RESOURCES,
  MAXMEMORY_FRACTION,
  METRICS_PORT,
  METRICS_RESOURCES,
  PASSWORD_KEY,
  REDIS_PORT,
  SENTINEL_PORT,
} from "./defaults";
import { imagesNeedInsecureFlag } from "./images";
import { parseQuantity } from "./quantity";
import { ACL_FILE_KEY, ACL_MOUNT_PATH, OPERATOR_PASSWORD_KEY, SENTINEL_ACL_FILE_KEY } from "./acl";
import { preStopPlan, redisPreStopScript, sentinelPreStopScript } from "../topology/preStop";
import { TLS_CHECKSUM_ANNOTATION, TLS_SECRET_FILES } from "./tlsCertificates";

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** What the StatefulSet does with its PVCs when it is deleted (with the release). */
export type PvcWhenDeleted = "Delete" | "Retain";

export interface ChartValuesOptions {
  /** The Secret holding the password (created by the component, in the release namespace). */
  readonly existingSecretName: string;
  /** The key of the password in that Secret. Defaults to "redis-password". */
  readonly existingSecretPasswordKey?: string;
  /**
   * `sentinel.persistentVolumeClaimRetentionPolicy.whenDeleted`. Defaults to "Delete": deleting
   * the release deletes its PVCs (and, with a `Delete` StorageClass, their EBS volumes). Use
   * "Retain" when the destroy hook must snapshot or keep the volumes.
   */
  readonly pvcWhenDeleted?: PvcWhenDeleted;
  /** The Secret holding the ACL files and the operator's password (`aclSecretData`). */
  readonly aclSecretName: string;
  /**
   * `aclChecksum` of that Secret's data, as a pod annotation: a changed credential changes the
   * pod template, so the StatefulSet rolls the pods one at a time through the preStop hooks.
   * Defaults to none (no annotation).
   */
  readonly aclChecksum?: string;
  /**
   * With your own certificates (`config.tlsCertificates`): the Secret holding them
   * (`tlsSecretName`, files `TLS_SECRET_FILES`) and their `tlsChecksum`, a pod annotation that
   * rolls the pods when they are renewed. Defaults to none: the chart generates them.
   */
  readonly ownTls?: { readonly secretName: string; readonly checksum: string };
}

/** The pod annotation that carries `ChartValuesOptions.aclChecksum`. */
export const ACL_CHECKSUM_ANNOTATION = "andyredis/acl-checksum";

/** The volume of the ACL Secret in the node pods. */
const ACL_VOLUME = "andyredis-acl";

/**
 * An image block of the chart. With a digest `common.images.image` renders
 * `registry/repository@digest` (the tag is then only a label for people).
 */
function imageBlock(image: ImageRef): JsonObject {
  return {
    registry: image.registry,
    repository: image.repository,
    tag: image.tag,
    digest: image.digest ?? "",
  };
}

/** The docker-registry Secret of a release (with `redisImagePullSecret`). */
export function imagePullSecretName(releaseName: string): string {
  return `${releaseName}-image-pull`;
}

/** A container's `resources` block, without the optional CPU limit when it is not set. */
export function resourcesBlock(resources: ContainerResources): JsonObject {
  const limits: JsonObject = { memory: resources.limits.memory };
  if (resources.limits.cpu !== undefined) {
    limits.cpu = resources.limits.cpu;
  }
  return {
    requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
    limits,
  };
}

/** `maxmemory <n>mb` for a container's memory limit (see `MAXMEMORY_FRACTION`), if it parses. */
export function maxmemoryDirective(resources: ContainerResources): string | undefined {
  const bytes = parseQuantity(resources.limits.memory);
  if (bytes === undefined || bytes < 2 ** 20) {
    return undefined;
  }
  return `maxmemory ${Math.floor((bytes * MAXMEMORY_FRACTION) / 2 ** 20)}mb`;
}

/**
 * `commonConfiguration`: redis.conf lines for every node. The sentinel StatefulSet's
 * start-node.sh (`templates/scripts-configmap.yaml`) starts each node with
 * `--include replica.conf --include redis.conf`, where redis.conf is `commonConfiguration`
 * (`templates/configmap.yaml`), so these lines apply to whichever node is master. Setting the
 * key replaces the chart's default, so its two lines (AOF on, RDB snapshots off) are repeated.
 */
export function commonConfiguration(cfg: RedisConfig): string {
  const maxmemory = maxmemoryDirective(cfg.resources);
  return [
    "# The chart's defaults: AOF persistence, no RDB snapshots.",
    "appendonly yes",
    'save ""',
    "# Replication safety and sync speed, from lib/tuning.ts.",
    ...redisServerDirectives(cfg.tuning),
    ...(maxmemory === undefined
      ? []
      : [
          "# A share of the container's memory limit; the rest covers forks and buffers.",
          maxmemory,
          "maxmemory-policy noeviction",
        ]),
  ].join("\n");
}

/**
 * `replica.extraFlags`: flags start-node.sh appends to redis-server's command line, each rendered
 * as `ARGS+=("<flag>")` (`{{ . | quote }}`, templates/scripts-configmap.yaml). Inside those
 * double quotes bash expands `$((...))` and `${HOSTNAME##*-}` (the pod's ordinal), which is how
 * one value gives each pod its own `replica-priority` (lib/tuning.ts `replicaPriorityForOrdinal`);
 * the flags come after the `--include`s, so they win over any config file.
 */
export function replicaExtraFlags(): string[] {
  return [
    "--replica-priority",
    `$((${REPLICA_PRIORITY_BASE} + \${HOSTNAME##*-}))`,
    // The stack's ACL users (lib/redis/acl.ts) instead of the chart's; after the chart's
    // `--include`s, so this aclfile wins over any in redis.conf.
    "--aclfile",
    `${ACL_MOUNT_PATH}/${ACL_FILE_KEY}`,
  ];
}

/**
 * `replica.lifecycleHooks` (the Redis container) and `sentinel.lifecycleHooks` (the sentinel
 * container), which sentinel/statefulset.yaml renders instead of the chart's preStop scripts.
 * The scripts come from lib/topology/preStop.ts, where the local drill runs them too; they keep
 * the chart's sequence and wait for the failover's end (`+switch-master`) rather than for the
 * promotion, so SIGTERM never stops the failover's leader mid-failover (docs/drill.md). They
 * contain no "{{", so the chart's `common.tplvalues.render` passes them through unchanged.
 */
export function nodeLifecycleHooks(cfg: RedisConfig): { redis: JsonObject; sentinel: JsonObject } {
  const plan = preStopPlan(POD_SHUTDOWN);
  const identity = {
    masterSet: cfg.tuning.masterSet,
    selfHostExpression: `\${HOSTNAME}.${cfg.releaseName}-headless.${cfg.namespace}.svc.${CLUSTER_DOMAIN}`,
    operatorPasswordFile: `${ACL_MOUNT_PATH}/${OPERATOR_PASSWORD_KEY}`,
  };
  const hook = (script: string): JsonObject => ({
    preStop: { exec: { command: ["/bin/bash", "-c", script] } },
  });
  return {
    redis: hook(redisPreStopScript(plan, identity)),
    sentinel: hook(sentinelPreStopScript(plan, identity)),
  };
}

/**
 * Where Helm gets the chart: an OCI reference or a chart archive URL as is, a classic
 * repository URL as the repository of the chart "redis", or a local archive or directory (the
 * absolute path the config resolved and checked) as a path, with no repository.
 */
export function chartSource(cfg: RedisConfig): {
  chart: string;
  repositoryOpts?: { repo: string };
} {
  if (/^https?:\/\//.test(cfg.chart) && !/\.tgz$/.test(cfg.chart)) {
    return { chart: "redis", repositoryOpts: { repo: cfg.chart } };
  }
  return { chart: cfg.chart };
}

/** Pod labels the chart puts on every node pod and selects them by (`common.labels.matchLabels`). */
export function nodeMatchLabels(cfg: RedisConfig): JsonObject {
  return {
    "app.kubernetes.io/name": "redis",
    "app.kubernetes.io/instance": cfg.releaseName,
    "app.kubernetes.io/component": "node",
  };
}

/**
 * The chart values. Pure: the same config always gives the same object, with no secret in it.
 */
export function chartValues(cfg: RedisConfig, opts: ChartValuesOptions): JsonObject {
  const tuning = cfg.tuning;
  const images = cfg.images;
  const namespaces = [...new Set([cfg.namespace, ...cfg.allowedNamespaces])];

  const values: JsonObject = {
    // Names: `common.names.fullname` is the release name only if it contains "redis"; the
    // override makes every object name `<release>...` whatever the release is called, which
    // `redisEndpoints` relies on.
    fullnameOverride: cfg.releaseName,
    clusterDomain: CLUSTER_DOMAIN,
    // Sentinel mode: `redis.validateValues.architecture` (_helpers.tpl) requires replication.
    architecture: "replication",
    // Announce hostnames, not pod IPs (scripts-configmap.yaml: get_full_hostname echoes
    // `<pod>.<release>-headless...`; start-sentinel.sh adds `sentinel announce-hostnames yes`
    // and `resolve-hostnames yes`): after a full outage every pod has a new IP, and sentinels and
    // replicas that stored IPs would point at nothing.
    useHostnames: true,

    // Images: each block read by `common.images.image` (_helpers.tpl: redis.image,
    // redis.sentinel.image, redis.metrics.image, redis.volumePermissions.image,
    // redis.kubectl.image, redis.sysctl.image).
    image: imageBlock(images.redis),

    // Auth (secret.yaml is skipped with existingSecret; `redis.secretName` and
    // `redis.secretPasswordKey` in _helpers.tpl point every container at our Secret, mounted as
    // a file because usePasswordFiles and usePasswordFileFromSecret stay on).
    auth: {
      enabled: true,
      // Sentinel too: start-sentinel.sh writes `requirepass` into sentinel.conf.
      sentinel: true,
      existingSecret: opts.existingSecretName,
      existingSecretPasswordKey: opts.existingSecretPasswordKey ?? PASSWORD_KEY,
      usePasswordFiles: true,
      usePasswordFileFromSecret: true,
    },

    commonConfiguration: commonConfiguration(cfg),

    // TLS (scripts-configmap.yaml: `--port 0 --tls-port ... --tls-replication yes` for Redis and
    // Sentinel; health-configmap.yaml and the exporter follow tls.enabled). autoGenerated:
    // tls-secret.yaml makes a CA and a server certificate (SANs: the headless and master
    // Services' names, 127.0.0.1, localhost) and keeps them across upgrades through
    // `common.secrets.lookup`, which a Helm release with cluster access (helm.v3.Release) does.
    // authClients off: clients prove who they are with their ACL password; a client
    // certificate would have to be the server's own key, the only one the chart makes.
    // With your own certificates (lib/redis/tlsCertificates.ts) the chart mounts the Secret the
    // stack makes from them instead.
    tls:
      cfg.tls && opts.ownTls !== undefined
        ? {
            enabled: true,
            autoGenerated: false,
            existingSecret: opts.ownTls.secretName,
            certFilename: TLS_SECRET_FILES.certificate,
            certKeyFilename: TLS_SECRET_FILES.privateKey,
            certCAFilename: TLS_SECRET_FILES.caCertificate,
            authClients: false,
          }
        : { enabled: cfg.tls, autoGenerated: cfg.tls, authClients: false },

    // `replica.*`: the node pods and their Redis container (sentinel/statefulset.yaml).
    replica: {
      // spec.replicas of `<release>-node`: one master, the rest replicas.
      replicaCount: cfg.nodes,
      resources: resourcesBlock(cfg.resources),
      persistence: {
        enabled: true,
        // volumeClaimTemplates `redis-data` (`common.storage.class` with replica.persistence).
        storageClass: cfg.storageClassName,
        size: cfg.persistenceSize,
        accessModes: ["ReadWriteOnce"],
      },
      // Hard anti-affinity on hostname (`common.affinities.pods.hard`, topologyKey
      // kubernetes.io/hostname), used because `replica.affinity` stays empty.
      podAntiAffinityPreset: "hard",
      // One node per zone as far as the zones allow: two nodes in one zone would put two of the
      // three sentinels, a quorum, in one zone's failure.
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: nodeMatchLabels(cfg) },
        },
      ],
      // The PDB in sentinel mode is sentinel/pdb.yaml, which reads `replica.pdb`: one node
      // may be evicted at a time, so a drain never takes two sentinels (a quorum) at once.
      pdb: { create: true, maxUnavailable: 1 },
      // Per-pod replica-priority (the lowest ordinal first); the preStop demotes the pods a rollout
      // has not restarted yet, so that its failover goes to one it has (lib/topology/preStop.ts).
      extraFlags: replicaExtraFlags(),
      // The Redis container's preStop: on the master, pause writes, fail over, wait until the
      // failover is done (see `nodeLifecycleHooks`; replaces the chart's prestop-redis.sh).
      lifecycleHooks: nodeLifecycleHooks(cfg).redis,
      // The ACL Secret, read-only, for the Redis container (aclfile, operator password of the
      // preStop hook); the sentinel container mounts the same volume.
      extraVolumes: [
        {
          name: ACL_VOLUME,
          secret: { secretName: opts.aclSecretName, defaultMode: 0o440 },
        },
      ],
      extraVolumeMounts: [{ name: ACL_VOLUME, mountPath: ACL_MOUNT_PATH, readOnly: true }],
      podAnnotations: {
        ...(opts.aclChecksum === undefined ? {} : { [ACL_CHECKSUM_ANNOTATION]: opts.aclChecksum }),
        ...(opts.ownTls === undefined ? {} : { [TLS_CHECKSUM_ANNOTATION]: opts.ownTls.checksum }),
      },
      // The kubectl container relabelling the master needs the service account token
      // (`redis.validateValues.createMaster` in _helpers.tpl requires it with masterService).
      automountServiceAccountToken: cfg.masterService,
    },

    // `sentinel.*`: the Sentinel container, its Services, the PVC retention policy.
    sentinel: {
      enabled: true,
      image: imageBlock(images.sentinel),
      // configmap.yaml sentinel.conf: `sentinel monitor <masterSet> ... <quorum>`,
      // `down-after-milliseconds`, `failover-timeout`, `parallel-syncs`.
      masterSet: tuning.masterSet,
      quorum: tuning.quorum,
      downAfterMilliseconds: tuning.downAfterMs,
      failoverTimeout: tuning.failoverTimeoutMs,
      parallelSyncs: tuning.parallelSyncs,
      // On (start-node.sh, with downAfterMilliseconds <= 2000): a node starting as replica of a
      // master that sentinels see down waits, and every 11 s asks for a manual
      // `SENTINEL FAILOVER`, so the cluster recovers when the last good replica is not elected
      // on its own — the origin's every-node-down case — and a new empty replica cannot win.
      automateClusterRecovery: true,
      // Off (health-configmap.yaml): it makes a replica unready while its master link is down.
      // Readiness removes the whole pod, sentinel port included, from the `<release>` Service,
      // which start-node.sh asks for the current master: in a long outage a recreated pod would
      // find no sentinel and start as a master of its own, defeating automateClusterRecovery;
      // and under the default OrderedReady policy an unready replica blocks higher ordinals.
      // Sync is awaited by the drill and verify tools instead (INFO replication).
      replicaSyncCheck: false,
      // The pod's grace period (sentinel/statefulset.yaml), which bounds the preStop hooks.
      terminationGracePeriodSeconds: POD_SHUTDOWN.terminationGracePeriodSeconds,
      // The sentinel container's preStop: wait while this pod's master fails over (see
      // `nodeLifecycleHooks`; replaces the chart's prestop-sentinel.sh).
      lifecycleHooks: nodeLifecycleHooks(cfg).sentinel,
      resources: resourcesBlock(cfg.sentinelResources),
      // The sentinels' ACL users (lib/redis/acl.ts), from the same Secret as the Redis ones.
      configuration: `aclfile ${ACL_MOUNT_PATH}/${SENTINEL_ACL_FILE_KEY}`,
      extraVolumeMounts: [{ name: ACL_VOLUME, mountPath: ACL_MOUNT_PATH, readOnly: true }],
      service: {
        type: "ClusterIP",
        createMaster: false,
      },
      // Service `<release>-master` (sentinel/service.yaml) for clients without Sentinel support;
      // needs rbac.create, serviceAccount.create and replica.automountServiceAccountToken.
      masterService: { enabled: cfg.masterService, type: "ClusterIP" },
      // The sentinel StatefulSet reads this section's retention policy, not replica.*.
      persistentVolumeClaimRetentionPolicy: {
        enabled: true,
        whenDeleted: opts.pvcWhenDeleted ?? "Delete",
        // A scale-down keeps the volumes, so scaling back up finds its data.
        whenScaled: "Retain",
      },
      externalAccess: { enabled: false },
    },

    // The kubectl-shared container (sentinel/statefulset.yaml, only with masterService) and
    // its Role (role.yaml: pods list/patch) and ServiceAccount (serviceaccount.yaml). rbac.create
    // stays on for the chart's createMaster check only: the release's post-renderer drops the
    // chart's namespace-wide Role, replaced by one on the release's pods (lib/redis/rbac.ts).
    kubectl: { image: imageBlock(images.kubectl), resources: resourcesBlock(KUBECTL_RESOURCES) },
    rbac: { create: cfg.masterService },
    serviceAccount: { create: true, automountServiceAccountToken: false },

    // Exporter beside each node (sentinel/statefulset.yaml `metrics` container) and its
    // ClusterIP Service `<release>-metrics` (metrics-svc.yaml): never a LoadBalancer.
    metrics: {
      enabled: true,
      image: imageBlock(images.metrics),
      resources: resourcesBlock(METRICS_RESOURCES),
      service: { enabled: true, type: "ClusterIP", ports: { http: METRICS_PORT } },
      serviceMonitor: { enabled: cfg.serviceMonitor },
    },

    // Not enabled (EBS volumes get the right group through fsGroup), but their images are part
    // of the chart's image check (NOTES.txt), so they follow the configured os-shell image.
    volumePermissions: { enabled: false, image: imageBlock(images.osShell) },
    sysctl: { enabled: false, image: imageBlock(images.osShell) },

    // networkpolicy.yaml: with allowExternal false, ports 6379 and 26379 only from the
    // release's own pods and pods labelled `<release>-client: "true"` in its namespace; the
    // extra rule admits pods with the configured client label in the allowed namespaces (the
    // chart's own namespace selector takes one label set only). The exporter port stays open
    // to scrapers (metrics.allowExternal). Egress stays open: the kubectl container must reach
    // the API server, whose addresses are not stable.
    networkPolicy: {
      enabled: true,
      allowExternal: false,
      allowExternalEgress: true,
      extraIngress: [
        {
          ports: [
            { port: REDIS_PORT, protocol: "TCP" },
            { port: SENTINEL_PORT, protocol: "TCP" },
          ],
          from: [
            {
              namespaceSelector: {
                matchExpressions: [
                  { key: "kubernetes.io/metadata.name", operator: "In", values: namespaces },
                ],
              },
              podSelector: { matchLabels: { [cfg.clientLabel.key]: cfg.clientLabel.value } },
            },
          ],
        },
      ],
      metrics: { allowExternal: true },
    },
  };

  const global: JsonObject = {};
  if (imagesNeedInsecureFlag(images)) {
    // common.errors.insecureImages (bitnami/common): relocated or replaced images fail the
    // render unless this is set. See lib/redis/images.ts for exactly when.
    global.security = { allowInsecureImages: true };
  }
  if (cfg.imagePullSecret) {
    // common.images.renderPullSecrets: every pod of the chart pulls with it.
    global.imagePullSecrets = [imagePullSecretName(cfg.releaseName)];
  }
  if (Object.keys(global).length > 0) values.global = global;
  return values;
}
