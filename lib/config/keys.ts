/**
 * THE table of stack config keys: one entry per `andyredis:<key>`, with its type, default,
 * allowed values, the modes it applies to, whether it is a secret, its README section and its
 * description. Everything else is derived from it:
 * - `DEFAULTS` (below), which the reader (`rawReader.ts`) applies when a key is unset;
 * - the checks: the parser (`parse.ts` and its sections) reads each key as its `type` says,
 *   against `allowed`/`min`/`max`, and refuses a key set in a mode it does not apply to;
 * - the `config:` block of Pulumi.yaml and the README's configuration tables, written by
 *   `npm run gen` (`render.ts`, `io/gen.ts`; `npm run check` fails when they are stale);
 * - the key names other programs use (`configKey`, e.g. the Automation API driver).
 *
 * Adding a key: an entry here, its reading in the section's `parse*.ts` and its field in
 * `configTypes.ts`, then `npm run gen`.
 */
import type { DeploymentMode } from "./configTypes";
import {
  CLUSTER_LOG_TYPES,
  DEPLOYMENT_MODES,
  LOG_RETENTION_DAYS,
  NAT_MODES,
  VOLUME_CLEANUP_MODES,
} from "./configTypes";
import {
  AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS,
  AWS_STORAGE_CLASS,
  DEFAULT_CHART,
  DEFAULT_PERSISTENCE_SIZE,
  DEFAULT_REDIS_RESOURCES,
  DEFAULT_SENTINEL_RESOURCES,
  MAX_PERSISTENCE_SIZE,
  MAX_RELEASE_NAME_LENGTH,
  PINNED_CHART_VERSION,
} from "../redis/defaults";
import { DEFAULT_TUNING, MIN_DOWN_AFTER_MS } from "../tuning";

/** The project's config namespace: keys are set as `andyredis:<key>`. */
export const NAMESPACE = "andyredis";

/** The AWS provider's region key, which the program falls back to when `region` is unset. */
export const AWS_REGION_KEY = "aws:region";

/** How a key's raw text is read: scalars as themselves, lists and maps as JSON (YAML in the file). */
export type KeyType = "string" | "integer" | "boolean" | "stringList" | "stringMap" | "object";

/** README subsection a key is listed in. */
export type Section =
  "General and network" | "Cluster and load balancer" | "Redis" | "Destroy and cluster-only mode";

export const SECTIONS: readonly Section[] = [
  "General and network",
  "Cluster and load balancer",
  "Redis",
  "Destroy and cluster-only mode",
];

export type DefaultValue = string | number | boolean | readonly string[] | object;

export interface KeySpec {
  readonly type: KeyType;
  /** What the program uses when the key is unset. Absent: none (the key is optional). */
  readonly default?: DefaultValue;
  /**
   * The default in words when it depends on the stack (mode, stack name, `aws:region`). Such a
   * key is declared in Pulumi.yaml with an empty default and the program fills it in.
   */
  readonly defaultText?: string;
  /** The only values allowed (string keys). */
  readonly allowed?: readonly string[];
  /** Inclusive range (integer keys with a fixed range). */
  readonly min?: number;
  readonly max?: number;
  /** What is allowed, in words, where `allowed`/`min`/`max` do not say it all. */
  readonly allowedText?: string;
  /** The modes the key applies to; set in another mode it is an error. */
  readonly modes: readonly DeploymentMode[];
  /** Held as a Pulumi secret (`pulumi config set --secret`). */
  readonly secret?: boolean;
  readonly section: Section;
  readonly description: string;
}

const ALL: readonly DeploymentMode[] = DEPLOYMENT_MODES;
const AWS: readonly DeploymentMode[] = ["aws"];
const CLUSTER_ONLY: readonly DeploymentMode[] = ["clusterOnly"];

const CIDR_LIST = "aligned IPv4 CIDRs, at least one";

export const CONFIG_KEYS = {
  // General and network.
  mode: {
    type: "string",
    default: "aws",
    allowed: DEPLOYMENT_MODES,
    modes: ALL,
    section: "General and network",
    description:
      "aws: the network, EKS, ALB, EFS and Redis. clusterOnly: only Redis, into an existing cluster (needs kubeconfig).",
  },
  region: {
    type: "string",
    default: "ap-northeast-2",
    defaultText: "aws:region, else ap-northeast-2",
    allowedText:
      "a region in the AWS provider's list (or any well-formed name with allowUnlistedRegion)",
    modes: AWS,
    section: "General and network",
    description: "AWS region.",
  },
  allowUnlistedRegion: {
    type: "boolean",
    default: false,
    allowed: ["true", "false"],
    modes: AWS,
    section: "General and network",
    description:
      "Accept a region that is newer than the AWS provider's region list, checked for its form only.",
  },
  tags: {
    type: "stringMap",
    default: {},
    allowedText:
      "a map of strings; no key starting `andyredis/`, `aws:`, `kubernetes.io/cluster/` or another prefix cleanup selects on (lib/tags.ts)",
    modes: AWS,
    section: "General and network",
    description:
      "Tags for every AWS resource (provider defaultTags); the stack adds `andyredis/stack=<org>/<project>/<stack>/<id>` (its identity).",
  },
  vpcCidr: {
    type: "string",
    default: "10.107.0.0/16",
    allowedText: "an aligned IPv4 CIDR from /16 to /28",
    modes: AWS,
    section: "General and network",
    description: "VPC CIDR.",
  },
  publicSubnetCidrs: {
    type: "stringList",
    default: ["10.107.85.0/24", "10.107.86.0/24", "10.107.87.0/24"],
    allowedText: "one aligned IPv4 CIDR (/16 to /28) per zone, inside the VPC, no overlaps",
    modes: AWS,
    section: "General and network",
    description: "Public subnets, in zone order.",
  },
  privateSubnetCidrs: {
    type: "stringList",
    default: ["10.107.88.0/24", "10.107.89.0/24", "10.107.80.0/24"],
    allowedText: "one aligned IPv4 CIDR (/16 to /28) per zone, inside the VPC, no overlaps",
    modes: AWS,
    section: "General and network",
    description: "Private subnets (the nodes), in zone order.",
  },
  zoneCount: {
    type: "integer",
    default: 3,
    min: 2,
    max: 3,
    modes: AWS,
    section: "General and network",
    description: "Availability zones to spread over.",
  },
  natMode: {
    type: "string",
    default: "single",
    allowed: NAT_MODES,
    modes: AWS,
    section: "General and network",
    description:
      "single: one NAT gateway. perZone: one per zone (survives the loss of a zone, costs more).",
  },

  // Cluster and load balancer.
  clusterName: {
    type: "string",
    defaultText: "andyredis-<stack>",
    allowedText: "1-100 letters, digits, `-` or `_`, starting with a letter or digit",
    modes: AWS,
    section: "Cluster and load balancer",
    description: "EKS cluster name.",
  },
  kubernetesVersion: {
    type: "string",
    default: "1.35",
    allowedText: 'an EKS minor version from "1.28" to "1.39", quoted',
    modes: AWS,
    section: "Cluster and load balancer",
    description: "EKS Kubernetes minor version (1.35 is in standard support until March 2027).",
  },
  nodeInstanceType: {
    type: "string",
    default: "m7i.large",
    allowedText: "an EC2 instance type such as m7i.large",
    modes: AWS,
    section: "Cluster and load balancer",
    description: "Instance type of the managed node group (m7i.large: 2 vCPU, 8 GiB).",
  },
  nodeMinSize: {
    type: "integer",
    default: 3,
    min: 1,
    max: 100,
    allowedText: "at most nodeDesiredSize, and at least redisNodes (one Redis node per host)",
    modes: AWS,
    section: "Cluster and load balancer",
    description: "Node group minimum size.",
  },
  nodeDesiredSize: {
    type: "integer",
    default: 3,
    min: 1,
    max: 100,
    allowedText: "from nodeMinSize to nodeMaxSize",
    modes: AWS,
    section: "Cluster and load balancer",
    description: "Node group desired size.",
  },
  nodeMaxSize: {
    type: "integer",
    default: 6,
    min: 1,
    max: 100,
    allowedText: "at least nodeDesiredSize",
    modes: AWS,
    section: "Cluster and load balancer",
    description: "Node group maximum size.",
  },
  nodeDiskSizeGiB: {
    type: "integer",
    default: 50,
    min: 20,
    max: 16384,
    modes: AWS,
    section: "Cluster and load balancer",
    description: "Root volume of each node, in GiB (gp3 allows up to 16384).",
  },
  clusterAdmins: {
    type: "stringList",
    default: [],
    allowedText: "IAM role or user ARNs",
    modes: AWS,
    section: "Cluster and load balancer",
    description:
      "Principals granted cluster admin through EKS access entries (the identity running pulumi up is admin already).",
  },
  apiEndpointPublic: {
    type: "boolean",
    default: true,
    allowed: ["true", "false"],
    modes: AWS,
    section: "Cluster and load balancer",
    description:
      "true: the Kubernetes API has a public endpoint, open only to apiPublicAccessCidrs (and a private one for the nodes). false: private endpoint only, reachable from inside the VPC (a bastion, VPN, Direct Connect, or CI runners in the VPC), where pulumi up must then run too.",
  },
  apiPublicAccessCidrs: {
    type: "stringList",
    defaultText: "none: required in aws mode while apiEndpointPublic is true",
    allowedText:
      "aligned IPv4 CIDRs, at least one; 0.0.0.0/0 only with apiPublicAccessAllowAnywhere",
    modes: AWS,
    section: "Cluster and load balancer",
    description:
      "Who may reach the public Kubernetes API endpoint: your office, VPN or CI egress, e.g. your address as `<ip>/32`.",
  },
  apiPublicAccessAllowAnywhere: {
    type: "boolean",
    default: false,
    allowed: ["true", "false"],
    modes: AWS,
    section: "Cluster and load balancer",
    description:
      "The explicit opt-in for 0.0.0.0/0 in apiPublicAccessCidrs: the API open to the whole internet, guarded by IAM authentication alone (against the EKS Best Practices Guide and CIS EKS 5.4.2).",
  },
  clusterLogTypes: {
    type: "stringList",
    default: ["api", "audit", "authenticator"],
    allowedText: `one or more of ${CLUSTER_LOG_TYPES.join(", ")}, each once`,
    modes: AWS,
    section: "Cluster and load balancer",
    description:
      "EKS control-plane logs sent to CloudWatch Logs (log group `/aws/eks/<clusterName>/cluster`, created by the stack).",
  },
  clusterLogRetentionDays: {
    type: "integer",
    default: 90,
    allowedText: `one of the periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
    modes: AWS,
    section: "Cluster and load balancer",
    description: "How long the control-plane logs are kept, in days.",
  },
  secretsEncryptionKey: {
    type: "string",
    default: "none",
    allowedText:
      "none, create, or the ARN of a symmetric KMS key in the stack's region (arn:aws:kms:<region>:<account>:key/<id>)",
    modes: AWS,
    section: "Cluster and load balancer",
    description:
      "Envelope encryption of Kubernetes secrets with a customer-managed KMS key. none: EKS's default envelope encryption with an AWS-owned key. create: a key the stack creates (rotation on; scheduled for deletion on destroy). An ARN: your key. Cannot be turned off or changed once on.",
  },
  domainName: {
    type: "string",
    allowedText: "a lower-case DNS domain such as example.com",
    modes: AWS,
    section: "Cluster and load balancer",
    description:
      "A domain with a public Route53 zone: an ACM certificate, HTTPS with an HTTP redirect, and the record `*.<domain>`.",
  },
  albTargetPort: {
    type: "integer",
    default: 30080,
    min: 30000,
    max: 32767,
    modes: AWS,
    section: "Cluster and load balancer",
    description:
      "The node port the ALB target group forwards to (e.g. an ingress controller's NodePort).",
  },
  albIngressCidrs: {
    type: "stringList",
    default: ["0.0.0.0/0"],
    allowedText: CIDR_LIST,
    modes: AWS,
    section: "Cluster and load balancer",
    description: "Who may reach the ALB's listeners (80, and 443 with a domain).",
  },

  // Redis.
  redisNamespace: {
    type: "string",
    default: "redis",
    allowedText: "a lower-case DNS label of up to 63 characters",
    modes: ALL,
    section: "Redis",
    description: "Namespace of the release (created by the stack).",
  },
  redisReleaseName: {
    type: "string",
    default: "redis",
    allowedText: `1-${MAX_RELEASE_NAME_LENGTH} lower-case letters, digits or \`-\`, starting with a letter, ending with a letter or digit`,
    modes: ALL,
    section: "Redis",
    description: "Helm release name; it prefixes the pods, Services and PVCs.",
  },
  redisChart: {
    type: "string",
    default: DEFAULT_CHART,
    allowedText:
      "an oci:// or https:// chart location, or the path of a local chart archive (.tgz) or directory holding the redis chart at redisChartVersion",
    modes: ALL,
    section: "Redis",
    description:
      "Where Helm gets the chart: a mirror, or a local copy where docker.io cannot be reached.",
  },
  redisChartVersion: {
    type: "string",
    default: PINNED_CHART_VERSION,
    allowedText: "an exact chart version such as 23.1.1",
    modes: ALL,
    section: "Redis",
    description: `Chart version. Values are checked against ${PINNED_CHART_VERSION}; another version draws a warning.`,
  },
  redisImageRegistry: {
    type: "string",
    allowedText: "a registry host with an optional port, e.g. registry.example.com:5000",
    modes: ALL,
    section: "Redis",
    description: "A registry (mirror) that replaces docker.io for every image.",
  },
  redisImages: {
    type: "object",
    default: {},
    defaultText: "the bitnamilegacy images of chart 23.1.1",
    allowedText:
      "a map of redis, sentinel, metrics, osShell, kubectl to registry/repository:tag, registry/repository@sha256:<digest>, or both (checked up front)",
    modes: ALL,
    section: "Redis",
    description: "Full image references to override, one per chart image.",
  },
  redisImagePullSecret: {
    type: "string",
    allowedText: 'a docker config JSON with at least one registry under "auths"',
    modes: ALL,
    secret: true,
    section: "Redis",
    description:
      "Credentials for a private mirror or a commercial image source: the stack creates a docker-registry Secret from it and names it in the chart's global.imagePullSecrets.",
  },
  redisNodes: {
    type: "integer",
    default: 3,
    min: 3,
    max: 9,
    modes: ALL,
    section: "Redis",
    description: "Redis nodes (one master, the rest replicas), each with a sentinel beside it.",
  },
  redisPassword: {
    type: "string",
    defaultText: "generated (kept across updates)",
    allowedText:
      "at least 16 printable ASCII characters without spaces, quotes, backquotes or backslashes",
    modes: ALL,
    secret: true,
    section: "Redis",
    description:
      "Password of the application user `app` (the `redisUsername` output) on Redis and Sentinel.",
  },
  redisAclRules: {
    type: "object",
    default: {},
    allowedText:
      "a map of app, operator, default to lists of ACL rules (+cmd, -cmd, +@category, -@category, ~pattern, %R~pattern, &channel); none that sets a password, gives app or operator Lua or what the stack takes from them, or takes from default what the sentinels and replicas need (checked up front)",
    modes: ALL,
    section: "Redis",
    description:
      'ACL rules added to a user\'s own on the Redis nodes, after the stack\'s (lib/redis/acl.ts), e.g. `{"app": ["-@admin", "~cache:*"]}`.',
  },
  redisPasswordPrevious: {
    type: "string",
    allowedText: "as redisPassword, and not the same password",
    modes: ALL,
    secret: true,
    section: "Redis",
    description:
      'A second password the `app` user keeps while clients move to a new redisPassword: set it to the old one, change redisPassword, `pulumi up`; remove it once no client uses the old one, `pulumi up` (docs/redis.md, "Changing a credential").',
  },
  redisMasterSet: {
    type: "string",
    default: DEFAULT_TUNING.masterSet,
    allowedText: "1-64 letters, digits, `.`, `_` or `-`",
    modes: ALL,
    section: "Redis",
    description: "Sentinel master set name.",
  },
  sentinelQuorum: {
    type: "integer",
    default: DEFAULT_TUNING.quorum,
    allowedText: "a majority of redisNodes, up to redisNodes",
    modes: ALL,
    section: "Redis",
    description: "Sentinels that must agree before a failover.",
  },
  sentinelDownAfterMs: {
    type: "integer",
    default: DEFAULT_TUNING.downAfterMs,
    min: MIN_DOWN_AFTER_MS,
    max: AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS,
    modes: ALL,
    section: "Redis",
    description: `down-after-milliseconds: how long a silent master may stay silent (above ${AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS} the chart turns automateClusterRecovery off; see lib/tuning.ts).`,
  },
  sentinelFailoverTimeoutMs: {
    type: "integer",
    default: DEFAULT_TUNING.failoverTimeoutMs,
    max: 3600000,
    allowedText: "more than sentinelDownAfterMs, up to 3600000",
    modes: ALL,
    section: "Redis",
    description: "failover-timeout: the limit of one failover attempt, in milliseconds.",
  },
  sentinelParallelSyncs: {
    type: "integer",
    default: DEFAULT_TUNING.parallelSyncs,
    min: 1,
    max: 8,
    modes: ALL,
    section: "Redis",
    description: "parallel-syncs: replicas re-pointed to a new master at once.",
  },
  redisMinReplicasToWrite: {
    type: "integer",
    default: DEFAULT_TUNING.minReplicasToWrite,
    allowedText: "from 0 to redisNodes - 2 (losing one replica must not stop writes)",
    modes: ALL,
    section: "Redis",
    description: "min-replicas-to-write: a master without this many good replicas refuses writes.",
  },
  redisMinReplicasMaxLagSeconds: {
    type: "integer",
    default: DEFAULT_TUNING.minReplicasMaxLagSeconds,
    min: 1,
    max: 3600,
    modes: ALL,
    section: "Redis",
    description: "min-replicas-max-lag: what a good replica is, in seconds of lag.",
  },
  redisDisklessSyncDelaySeconds: {
    type: "integer",
    default: DEFAULT_TUNING.disklessSyncDelaySeconds,
    min: 0,
    max: 60,
    modes: ALL,
    section: "Redis",
    description: "repl-diskless-sync-delay: the wait before a diskless full sync starts.",
  },
  redisPersistenceSize: {
    type: "string",
    default: DEFAULT_PERSISTENCE_SIZE,
    allowedText: `a size in Mi, Gi or Ti from 1Gi to ${MAX_PERSISTENCE_SIZE} (what an EBS gp3 volume allows)`,
    modes: ALL,
    section: "Redis",
    description: "Volume of each Redis node.",
  },
  redisStorageClass: {
    type: "string",
    defaultText: `${AWS_STORAGE_CLASS} (aws) / the cluster's default class (clusterOnly)`,
    allowedText: "a StorageClass name (a lower-case DNS label)",
    modes: ALL,
    section: "Redis",
    description:
      "aws: the name of the gp3 class the stack creates. clusterOnly: an existing class.",
  },
  redisMasterService: {
    type: "boolean",
    default: true,
    allowed: ["true", "false"],
    modes: ALL,
    section: "Redis",
    description: "A master-only Service for clients that cannot speak Sentinel.",
  },
  redisServiceMonitor: {
    type: "boolean",
    default: false,
    allowed: ["true", "false"],
    modes: ALL,
    section: "Redis",
    description: "A Prometheus Operator ServiceMonitor for the metrics exporter.",
  },
  redisTls: {
    type: "boolean",
    default: true,
    allowed: ["true", "false"],
    modes: ALL,
    section: "Redis",
    description:
      "Clients, replication and Sentinel over TLS only (no plaintext port), with certificates the chart generates once and keeps, or your own (redisTlsCertificate); the CA is the `redisCaCertificate` output. false: plaintext, for clients that cannot speak TLS (refused with your own certificates).",
  },
  redisTlsCertificate: {
    type: "string",
    defaultText: "the chart's (its own CA, valid 365 days)",
    allowedText:
      "PEM: the server certificate, then any intermediates, covering the Sentinel Service, the nodes and the master Service",
    modes: ALL,
    section: "Redis",
    description:
      'Your own server certificate for Redis and Sentinel, with redisTlsPrivateKey and redisTlsCaCertificate (all three or none; only with redisTls); checked up front (docs/security.md, "Your own certificates").',
  },
  redisTlsPrivateKey: {
    type: "string",
    defaultText: "the chart's",
    allowedText: "PEM: the private key of redisTlsCertificate",
    modes: ALL,
    secret: true,
    section: "Redis",
    description: "The private key of redisTlsCertificate.",
  },
  redisTlsCaCertificate: {
    type: "string",
    defaultText: "the chart's",
    allowedText: "PEM: the one CA certificate redisTlsCertificate chains to",
    modes: ALL,
    section: "Redis",
    description: "The CA of redisTlsCertificate; it becomes the `redisCaCertificate` output.",
  },
  redisAllowScripting: {
    type: "boolean",
    default: false,
    allowed: ["true", "false"],
    modes: ALL,
    section: "Redis",
    description:
      "Let the application user run Lua (EVAL, EVALSHA, FCALL, SCRIPT LOAD/EXISTS). Off: Redis 8.2.1's Lua has CVE-2025-49844 (RCE, CVSS 10) and CVE-2025-46817/46818/46819; see docs/redis.md.",
  },
  redisAllowedNamespaces: {
    type: "stringList",
    default: [],
    allowedText: "namespace names",
    modes: ALL,
    section: "Redis",
    description:
      "Namespaces whose labelled pods may reach Redis and Sentinel, besides the release's own.",
  },
  redisClientLabel: {
    type: "string",
    default: "andyredis/redis-client=true",
    allowedText: "key=value in Kubernetes label syntax",
    modes: ALL,
    section: "Redis",
    description: "The pod label a client needs to pass the NetworkPolicy.",
  },
  redisResources: {
    type: "object",
    default: DEFAULT_REDIS_RESOURCES,
    defaultText: "requests 500m / 3Gi, limit 3Gi memory",
    allowedText:
      "{requests: {cpu, memory}, limits: {cpu?, memory}} in Kubernetes quantities, requests at most the limits",
    modes: ALL,
    section: "Redis",
    description: "Redis container resources (maxmemory is 60% of the memory limit).",
  },
  sentinelResources: {
    type: "object",
    default: DEFAULT_SENTINEL_RESOURCES,
    defaultText: "requests 100m / 128Mi, limit 128Mi memory",
    allowedText: "the same shape as redisResources",
    modes: ALL,
    section: "Redis",
    description: "Sentinel container resources.",
  },

  // Destroy and cluster-only mode.
  volumeCleanupMode: {
    type: "string",
    default: "delete",
    allowed: VOLUME_CLEANUP_MODES,
    modes: AWS,
    section: "Destroy and cluster-only mode",
    description:
      "What pulumi destroy does with the Redis EBS volumes: delete them, snapshot them first, or retain them (clusterOnly: the PVCs go with the release).",
  },
  cleanupTimeoutSeconds: {
    type: "integer",
    default: 600,
    min: 30,
    max: 3600,
    modes: AWS,
    section: "Destroy and cluster-only mode",
    description: "Upper bound of each wait in the destroy hook.",
  },
  protectData: {
    type: "boolean",
    defaultText:
      "true for a stack whose name has the word prod, production, prd or live (e.g. prod-eu), else false",
    allowed: ["true", "false"],
    modes: ALL,
    section: "Destroy and cluster-only mode",
    description:
      "Pulumi `protect` on the Redis release, its namespace and password, and (aws) the destroy hook: pulumi destroy refuses to delete the data. To destroy: set it to false and run pulumi up first (docs/destroy.md).",
  },
  kubeconfig: {
    type: "string",
    allowedText: "kubeconfig YAML or JSON, or the path of an existing kubeconfig file",
    modes: CLUSTER_ONLY,
    secret: true,
    section: "Destroy and cluster-only mode",
    description: "The existing cluster's kubeconfig (required in clusterOnly mode).",
  },
  kubeContext: {
    type: "string",
    defaultText: "the kubeconfig's current context",
    allowedText: "a context of kubeconfig",
    modes: CLUSTER_ONLY,
    section: "Destroy and cluster-only mode",
    description: "Which context of kubeconfig to use.",
  },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** Every key, in table order. */
export const ALL_KEYS = Object.keys(CONFIG_KEYS) as ConfigKey[];

/** The key's entry, typed as the general `KeySpec`. */
export function specOf(key: ConfigKey): KeySpec {
  return CONFIG_KEYS[key];
}

/** A key's full name, as `pulumi config` and the Automation API take it: `andyredis:<key>`. */
export function configKey(key: ConfigKey): string {
  return `${NAMESPACE}:${key}`;
}

/**
 * The region the program deploys to: `region` when set, else `aws:region`, else the table's
 * default. The driver (lib/automation) audits the same region from the same rule.
 */
export function stackRegion(regionSet: string | undefined, awsRegion: string | undefined): string {
  return regionSet ?? awsRegion ?? DEFAULTS.region;
}

/** Keys held as Pulumi secrets. */
export const SECRET_KEYS = ALL_KEYS.filter((key) => specOf(key).secret === true);

type Spec<K extends ConfigKey> = (typeof CONFIG_KEYS)[K];

/** The type of a key's default, or undefined for a key without one. */
export type DefaultOf<K extends ConfigKey> =
  Spec<K> extends { readonly default: infer D } ? D : undefined;

/** The keys read as `type` says. */
export type KeyOfType<T extends KeyType> = {
  [K in ConfigKey]: Spec<K> extends { readonly type: T } ? K : never;
}[ConfigKey];
type KeysWithDefault = {
  [K in ConfigKey]: Spec<K> extends { readonly default: unknown } ? K : never;
}[ConfigKey];

/** The default of every key that has one, straight from the table. */
export const DEFAULTS = Object.fromEntries(
  ALL_KEYS.filter((key) => specOf(key).default !== undefined).map((key) => [
    key,
    specOf(key).default,
  ]),
) as { readonly [K in KeysWithDefault]: Spec<K>["default"] };

/**
 * What Pulumi.yaml declares as the key's default. The engine treats a declared key without a
 * default as required, so every key gets one. Keys that apply to every mode and have a fixed
 * default declare it (`pulumi config` shows it); the others declare "", which the program
 * reads as "unset": a mode-specific key can then be told apart from one the user set, and a
 * default that depends on the stack is filled in by the program.
 */
export function declaredDefault(key: ConfigKey): DefaultValue {
  const spec = specOf(key);
  const fixed =
    spec.default !== undefined &&
    spec.defaultText === undefined &&
    spec.modes.length === DEPLOYMENT_MODES.length;
  return fixed ? (spec.default as DefaultValue) : "";
}

/** The raw text the engine hands the program for a declared default (lists and maps as JSON). */
export function declaredDefaultText(key: ConfigKey): string {
  const value = declaredDefault(key);
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : JSON.stringify(value);
}

/** The modes of a key, in words, for messages and docs. */
export function modesText(modes: readonly DeploymentMode[]): string {
  return modes.length === DEPLOYMENT_MODES.length ? "all" : modes.join(", ");
}

/** An integer key's fixed range, in words, if it has one. */
export function rangeText(key: ConfigKey): string | undefined {
  const spec = specOf(key);
  return spec.min !== undefined && spec.max !== undefined
    ? `an integer from ${spec.min} to ${spec.max}`
    : undefined;
}

/** What a key allows, in words: its values, its range, and the table's text. */
export function allowedText(key: ConfigKey): string {
  const spec = specOf(key);
  const parts = [
    spec.allowed !== undefined ? `one of: ${spec.allowed.join(", ")}` : undefined,
    rangeText(key),
    spec.allowedText,
  ].filter((part): part is string => part !== undefined);
  if (parts.length === 0) throw new Error(`config key ${key} says nothing about what it allows`);
  return parts.join(", ");
}

/** A key's default, in words. */
export function defaultText(key: ConfigKey): string {
  const spec = specOf(key);
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === undefined) return "none";
  if (Array.isArray(spec.default)) {
    return spec.default.length === 0 ? "[]" : spec.default.join(", ");
  }
  return typeof spec.default === "object" ? JSON.stringify(spec.default) : String(spec.default);
}

/** The words of a stack name (split on `-`, `_`, `.`, `/`) that mark it as production. */
export const PRODUCTION_STACK_WORDS: readonly string[] = ["prod", "production", "prd", "live"];

/**
 * `protectData`'s default: on for a stack whose name has a word of `PRODUCTION_STACK_WORDS`
 * (`prod`, `prod-eu`, `shop-production`), off for the rest (`dev`, `ci-1234`, `product-demo`).
 * A long-lived stack's volumes are its data, and the destroy hook deletes them for good: a
 * `pulumi destroy` on the wrong stack must not be one command away. Development, CI and
 * ephemeral stacks are destroyed all the time, so protecting them by default would only teach
 * everyone to take it off.
 */
export function protectDataByDefault(stack: string): boolean {
  return stack
    .toLowerCase()
    .split(/[-_./]/)
    .some((word) => PRODUCTION_STACK_WORDS.includes(word));
}
