/**
 * The stack configuration: read once, validated once, typed.
 *
 * `parseConfig` is pure: it takes the raw strings Pulumi holds for each key (structured values
 * arrive as JSON text) and returns a `StackConfig`, or throws one `ConfigError` listing every
 * problem, one line each, naming the key and what is allowed. `loadConfig` reads the raw values
 * and the secrets from Pulumi and calls it before any resource is created.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  ContainerResources,
  DEPLOYMENT_MODES,
  ImageRef,
  NAT_MODES,
  RedisConfig,
  RedisImages,
  StackConfig,
  VOLUME_CLEANUP_MODES,
} from "./lib/configTypes";
import { cidrProblems } from "./lib/network";
import { chartConstraintProblems, redisPasswordProblems } from "./lib/redis/chartValues";
import {
  DEFAULT_CHART,
  DEFAULT_PERSISTENCE_SIZE,
  DEFAULT_REDIS_RESOURCES,
  DEFAULT_SENTINEL_RESOURCES,
  PINNED_CHART_VERSION,
} from "./lib/redis/defaults";
import { DEFAULT_REDIS_IMAGES, imagesNeedInsecureFlag } from "./lib/redis/images";
import { defaultTags, STACK_TAG_KEY, stackTagValue } from "./lib/tags";
import { DEFAULT_TUNING, RedisTuning, tuningProblems } from "./lib/tuning";

/** The project's config namespace: keys are set as `andyredis:<key>`. */
export const NAMESPACE = "andyredis";

/** Every key the program reads, with its default where it has one. Documented in Pulumi.yaml. */
export const DEFAULTS = {
  mode: "aws",
  region: "ap-northeast-2",
  vpcCidr: "10.107.0.0/16",
  publicSubnetCidrs: ["10.107.85.0/24", "10.107.86.0/24", "10.107.87.0/24"],
  privateSubnetCidrs: ["10.107.88.0/24", "10.107.89.0/24", "10.107.80.0/24"],
  zoneCount: 3,
  natMode: "single",
  kubernetesVersion: "1.35",
  nodeInstanceType: "m7i.large",
  nodeMinSize: 3,
  nodeDesiredSize: 3,
  nodeMaxSize: 6,
  nodeDiskSizeGiB: 50,
  albTargetPort: 30080,
  redisNamespace: "redis",
  redisReleaseName: "redis",
  redisChart: DEFAULT_CHART,
  redisChartVersion: PINNED_CHART_VERSION,
  redisNodes: 3,
  redisPersistenceSize: DEFAULT_PERSISTENCE_SIZE,
  redisMasterService: true,
  redisServiceMonitor: false,
  redisClientLabel: "andyredis/redis-client=true",
  volumeCleanupMode: "delete",
  cleanupTimeoutSeconds: 600,
} as const;

/** Keys that hold Pulumi secrets; read with `getSecret`, never part of `StackConfig`. */
export const SECRET_KEYS = ["redisPassword", "kubeconfig"] as const;

/** Keys read as plain values (strings, numbers, booleans, JSON arrays and objects). */
export const PLAIN_KEYS = [
  "mode",
  "region",
  "tags",
  "vpcCidr",
  "publicSubnetCidrs",
  "privateSubnetCidrs",
  "zoneCount",
  "natMode",
  "clusterName",
  "kubernetesVersion",
  "nodeInstanceType",
  "nodeMinSize",
  "nodeDesiredSize",
  "nodeMaxSize",
  "nodeDiskSizeGiB",
  "clusterAdmins",
  "apiPublicAccessCidrs",
  "domainName",
  "albTargetPort",
  "albIngressCidrs",
  "redisNamespace",
  "redisReleaseName",
  "redisChart",
  "redisChartVersion",
  "redisImageRegistry",
  "redisImages",
  "redisNodes",
  "redisMasterSet",
  "sentinelQuorum",
  "sentinelDownAfterMs",
  "sentinelFailoverTimeoutMs",
  "sentinelParallelSyncs",
  "redisMinReplicasToWrite",
  "redisMinReplicasMaxLagSeconds",
  "redisDisklessSyncDelaySeconds",
  "redisPersistenceSize",
  "redisStorageClass",
  "redisMasterService",
  "redisServiceMonitor",
  "redisAllowedNamespaces",
  "redisClientLabel",
  "redisResources",
  "sentinelResources",
  "volumeCleanupMode",
  "cleanupTimeoutSeconds",
  "kubeContext",
] as const;

export type PlainKey = (typeof PLAIN_KEYS)[number];
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Raw config: the string Pulumi holds for each key that is set. */
export type RawConfig = Partial<Record<PlainKey, string>>;

/** Where the stack runs: feeds the stack tag and the default cluster name. */
export interface StackContext {
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
  /** `aws:region`, used when `andyredis:region` is not set. */
  readonly awsRegion?: string;
  /** Which secret keys are set (their values stay in Pulumi secrets). */
  readonly secretsSet?: readonly SecretKey[];
  /** Keys set under the `andyredis:` namespace, to catch typos. */
  readonly keysSet?: readonly string[];
}

/** Thrown by `parseConfig` with every problem found, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Reads raw values key by key, recording a problem for each one that does not parse. */
class RawReader {
  readonly problems: string[] = [];

  constructor(private readonly raw: RawConfig) {}

  private fail(key: string, message: string): undefined {
    this.problems.push(`${NAMESPACE}:${key}: ${message}`);
    return undefined;
  }

  isSet(key: PlainKey): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== "";
  }

  string(key: PlainKey, pattern?: RegExp, allowed?: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined || value === "") return undefined;
    if (pattern && !pattern.test(value)) {
      return this.fail(key, `"${value}" is not allowed; use ${allowed ?? pattern.source}`);
    }
    return value;
  }

  oneOf<T extends string>(key: PlainKey, allowed: readonly T[], fallback: T): T {
    const value = this.raw[key];
    if (value === undefined || value === "") return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.fail(key, `"${value}" is not allowed; use one of: ${allowed.join(", ")}`);
    return fallback;
  }

  integer(key: PlainKey, fallback: number, min: number, max: number): number {
    const value = this.raw[key];
    if (value === undefined || value === "") return fallback;
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      this.fail(key, `"${value}" is not allowed; use an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  boolean(key: PlainKey, fallback: boolean): boolean {
    const value = this.raw[key];
    if (value === undefined || value === "") return fallback;
    if (value === "true" || value === "false") return value === "true";
    this.fail(key, `"${value}" is not allowed; use true or false`);
    return fallback;
  }

  private json(key: PlainKey): unknown {
    const value = this.raw[key];
    if (value === undefined || value === "") return undefined;
    try {
      return JSON.parse(value);
    } catch {
      return this.fail(key, `"${value}" is not valid JSON (set it in the stack file as YAML)`);
    }
  }

  stringList(key: PlainKey, fallback: readonly string[]): readonly string[] {
    const value = this.json(key);
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      this.fail(key, "must be a list of strings");
      return fallback;
    }
    return value;
  }

  stringMap(key: PlainKey): Record<string, string> | undefined {
    const value = this.json(key);
    if (value === undefined) return undefined;
    if (
      typeof value !== "object" ||
      value === null ||
      Array.isArray(value) ||
      !Object.values(value).every((v) => typeof v === "string")
    ) {
      return this.fail(key, "must be a map of string keys to string values");
    }
    return value as Record<string, string>;
  }

  object(key: PlainKey): Record<string, unknown> | undefined {
    const value = this.json(key);
    if (value === undefined) return undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return this.fail(key, "must be a map");
    }
    return value as Record<string, unknown>;
  }

  problem(key: string, message: string): void {
    this.fail(key, message);
  }
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const K8S_VERSION = /^1\.(2[89]|3\d)$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)\/[\w+=,.@/-]+$/;
const QUANTITY = /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const SIZE = /^[1-9]\d*(Mi|Gi|Ti)$/;
const CHART_VERSION = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;
const CHART_REF = /^(oci|https?):\/\/[^\s]+$/;
const REGISTRY =
  /^(localhost|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)(:\d{1,5})?$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Splits `registry/repository:tag` the way the chart's `image` blocks want it. A first segment
 * counts as a registry only if it looks like a host (has a dot or a port, or is `localhost`), as
 * Docker decides; digests are not accepted, since the chart pins by tag.
 */
export function parseImageRef(ref: string): ImageRef | string {
  const allowed = `use registry/repository:tag, e.g. "docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0"`;
  if (ref.includes("@")) return `"${ref}" is not allowed (digests are not supported); ${allowed}`;
  const colon = ref.lastIndexOf(":");
  const slash = ref.lastIndexOf("/");
  if (colon <= slash) return `"${ref}" has no tag; ${allowed}`;
  const tag = ref.slice(colon + 1);
  const path = ref.slice(0, colon).split("/");
  const first = path[0];
  const hasRegistry =
    path.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasRegistry ? first : "docker.io";
  const repository = (hasRegistry ? path.slice(1) : path).join("/");
  if (!REGISTRY.test(registry) || !REPOSITORY.test(repository) || !TAG.test(tag)) {
    return `"${ref}" is not a valid image reference; ${allowed}`;
  }
  return { registry, repository, tag };
}

function readImages(reader: RawReader): RedisImages {
  const mirror = reader.string(
    "redisImageRegistry",
    REGISTRY,
    'a registry host with an optional port, e.g. "registry.example.com:5000"',
  );
  const overrides = reader.object("redisImages") ?? {};
  const names = Object.keys(DEFAULT_REDIS_IMAGES) as (keyof RedisImages)[];
  const images: Record<string, ImageRef> = {};
  for (const unknownName of Object.keys(overrides).filter(
    (n) => !(names as string[]).includes(n),
  )) {
    reader.problem(
      `redisImages.${unknownName}`,
      `is not an image of the chart; use one of: ${names.join(", ")}`,
    );
  }
  for (const name of names) {
    const base = mirror
      ? { ...DEFAULT_REDIS_IMAGES[name], registry: mirror }
      : DEFAULT_REDIS_IMAGES[name];
    const override = overrides[name];
    if (override === undefined) {
      images[name] = base;
    } else if (typeof override !== "string") {
      reader.problem(`redisImages.${name}`, "must be an image reference string");
      images[name] = base;
    } else {
      const parsed = parseImageRef(override);
      if (typeof parsed === "string") reader.problem(`redisImages.${name}`, parsed);
      images[name] = typeof parsed === "string" ? base : parsed;
    }
  }
  return images as unknown as RedisImages;
}

function readResources(
  reader: RawReader,
  key: PlainKey,
  fallback: ContainerResources,
): ContainerResources {
  const value = reader.object(key);
  if (value === undefined) return fallback;
  const requests = (value.requests ?? {}) as Record<string, unknown>;
  const limits = (value.limits ?? {}) as Record<string, unknown>;
  const quantity = (field: string, v: unknown, d: string | undefined): string | undefined => {
    if (v === undefined) return d;
    if (typeof v !== "string" || !QUANTITY.test(v)) {
      reader.problem(
        `${key}.${field}`,
        `"${String(v)}" is not allowed; use a Kubernetes quantity such as "500m" or "1Gi"`,
      );
      return d;
    }
    return v;
  };
  return {
    requests: {
      cpu: quantity("requests.cpu", requests.cpu, fallback.requests.cpu) ?? fallback.requests.cpu,
      memory:
        quantity("requests.memory", requests.memory, fallback.requests.memory) ??
        fallback.requests.memory,
    },
    limits: {
      cpu: quantity("limits.cpu", limits.cpu, fallback.limits.cpu),
      memory:
        quantity("limits.memory", limits.memory, fallback.limits.memory) ?? fallback.limits.memory,
    },
  };
}

/** The config key behind a `RedisConfig` field path that `chartConstraintProblems` names. */
function redisKeyFor(path: string): string {
  const [head, ...rest] = path.split(".");
  const keys: Record<string, PlainKey> = {
    releaseName: "redisReleaseName",
    persistenceSize: "redisPersistenceSize",
    resources: "redisResources",
    sentinelResources: "sentinelResources",
  };
  if (head === "tuning" && rest[0] === "downAfterMs") return "sentinelDownAfterMs";
  return [keys[head] ?? `redis.${head}`, ...rest].join(".");
}

/**
 * Validates the raw config and returns the typed `StackConfig`. Throws a `ConfigError` naming
 * every problem at once.
 */
export function parseConfig(raw: RawConfig, context: StackContext): StackConfig {
  const reader = new RawReader(raw);
  const secretsSet = context.secretsSet ?? [];
  const known: readonly string[] = [...PLAIN_KEYS, ...SECRET_KEYS];
  for (const key of context.keysSet ?? []) {
    if (!known.includes(key)) {
      reader.problem(
        key,
        `is not a key of this project; see Pulumi.yaml for the keys (${known.length} in all)`,
      );
    }
  }

  const mode = reader.oneOf("mode", DEPLOYMENT_MODES, DEFAULTS.mode);
  const region =
    reader.string("region", REGION, 'an AWS region name such as "ap-northeast-2"') ??
    context.awsRegion ??
    DEFAULTS.region;
  const stackTag = stackTagValue(context.organization, context.project, context.stack);
  const userTags = reader.stringMap("tags") ?? {};
  if (STACK_TAG_KEY in userTags) {
    reader.problem(
      "tags",
      `must not set "${STACK_TAG_KEY}": the stack sets it to "${stackTag}" and cleanup depends on it`,
    );
  }
  for (const tagKey of Object.keys(userTags)) {
    if (tagKey.toLowerCase().startsWith("aws:")) {
      reader.problem(`tags.${tagKey}`, 'is not allowed; the "aws:" prefix is reserved by AWS');
    }
  }

  // Network.
  const zoneCount = reader.integer("zoneCount", DEFAULTS.zoneCount, 2, 3);
  const natMode = reader.oneOf("natMode", NAT_MODES, DEFAULTS.natMode);
  const vpcCidr = reader.string("vpcCidr") ?? DEFAULTS.vpcCidr;
  const publicSubnetCidrs = reader.stringList("publicSubnetCidrs", DEFAULTS.publicSubnetCidrs);
  const privateSubnetCidrs = reader.stringList("privateSubnetCidrs", DEFAULTS.privateSubnetCidrs);
  for (const problem of cidrProblems(vpcCidr, publicSubnetCidrs, privateSubnetCidrs, zoneCount)) {
    reader.problem(problem.key, problem.message);
  }

  // Cluster.
  const clusterName =
    reader.string(
      "clusterName",
      CLUSTER_NAME,
      "1-100 letters, digits, '-' or '_', starting with a letter or digit",
    ) ?? `andyredis-${context.stack}`.slice(0, 100);
  if (!CLUSTER_NAME.test(clusterName)) {
    reader.problem(
      "clusterName",
      `the default "${clusterName}" (from the stack name) is not a valid EKS name; set andyredis:clusterName`,
    );
  }
  const kubernetesVersion =
    reader.string(
      "kubernetesVersion",
      K8S_VERSION,
      'an EKS minor version from "1.28" to "1.39", e.g. "1.35"',
    ) ?? DEFAULTS.kubernetesVersion;
  const nodeInstanceType =
    reader.string("nodeInstanceType", INSTANCE_TYPE, 'an EC2 instance type such as "m7i.large"') ??
    DEFAULTS.nodeInstanceType;
  const nodeMinSize = reader.integer("nodeMinSize", DEFAULTS.nodeMinSize, 1, 100);
  const nodeDesiredSize = reader.integer("nodeDesiredSize", DEFAULTS.nodeDesiredSize, 1, 100);
  const nodeMaxSize = reader.integer("nodeMaxSize", DEFAULTS.nodeMaxSize, 1, 100);
  if (!(nodeMinSize <= nodeDesiredSize && nodeDesiredSize <= nodeMaxSize)) {
    reader.problem(
      "nodeMinSize",
      `${nodeMinSize}, nodeDesiredSize ${nodeDesiredSize}, nodeMaxSize ${nodeMaxSize} are not allowed; use nodeMinSize <= nodeDesiredSize <= nodeMaxSize`,
    );
  }
  const nodeDiskSizeGiB = reader.integer("nodeDiskSizeGiB", DEFAULTS.nodeDiskSizeGiB, 20, 16384);
  const adminPrincipalArns = reader.stringList("clusterAdmins", []);
  adminPrincipalArns.forEach((arn, i) => {
    if (!PRINCIPAL_ARN.test(arn)) {
      reader.problem(
        `clusterAdmins[${i}]`,
        `"${arn}" is not allowed; use an IAM role or user ARN such as "arn:aws:iam::123456789012:role/admin"`,
      );
    }
  });
  const apiPublicAccessCidrs = reader.stringList("apiPublicAccessCidrs", ["0.0.0.0/0"]);
  const albIngressCidrs = reader.stringList("albIngressCidrs", ["0.0.0.0/0"]);
  for (const [key, list] of [
    ["apiPublicAccessCidrs", apiPublicAccessCidrs],
    ["albIngressCidrs", albIngressCidrs],
  ] as const) {
    if (list.length === 0) reader.problem(key, "must list at least one CIDR");
    list.forEach((cidr, i) => {
      if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(cidr)) {
        reader.problem(
          `${key}[${i}]`,
          `"${cidr}" is not allowed; use an IPv4 CIDR such as "203.0.113.0/24"`,
        );
      }
    });
  }

  // Load balancer.
  const domainName = reader.string(
    "domainName",
    DOMAIN,
    'a lower-case DNS domain such as "example.com"',
  );
  const targetPort = reader.integer("albTargetPort", DEFAULTS.albTargetPort, 30000, 32767);

  // Redis.
  const nodes = reader.integer("redisNodes", DEFAULTS.redisNodes, 1, 9);
  if (nodes < 3) {
    reader.problem(
      "redisNodes",
      `${nodes} is not allowed with Sentinel; use 3 to 9 (a sentinel runs beside each node and they need a majority)`,
    );
  }
  const tuning: RedisTuning = {
    masterSet: reader.string("redisMasterSet") ?? DEFAULT_TUNING.masterSet,
    quorum: reader.integer("sentinelQuorum", DEFAULT_TUNING.quorum, 1, 9),
    downAfterMs: reader.integer("sentinelDownAfterMs", DEFAULT_TUNING.downAfterMs, 0, 600000),
    failoverTimeoutMs: reader.integer(
      "sentinelFailoverTimeoutMs",
      DEFAULT_TUNING.failoverTimeoutMs,
      0,
      3600000,
    ),
    parallelSyncs: reader.integer("sentinelParallelSyncs", DEFAULT_TUNING.parallelSyncs, 0, 9),
    minReplicasToWrite: reader.integer(
      "redisMinReplicasToWrite",
      DEFAULT_TUNING.minReplicasToWrite,
      0,
      9,
    ),
    minReplicasMaxLagSeconds: reader.integer(
      "redisMinReplicasMaxLagSeconds",
      DEFAULT_TUNING.minReplicasMaxLagSeconds,
      0,
      3600,
    ),
    disklessSyncDelaySeconds: reader.integer(
      "redisDisklessSyncDelaySeconds",
      DEFAULT_TUNING.disklessSyncDelaySeconds,
      0,
      60,
    ),
  };
  const tuningKeys: Record<keyof RedisTuning, PlainKey> = {
    masterSet: "redisMasterSet",
    quorum: "sentinelQuorum",
    downAfterMs: "sentinelDownAfterMs",
    failoverTimeoutMs: "sentinelFailoverTimeoutMs",
    parallelSyncs: "sentinelParallelSyncs",
    minReplicasToWrite: "redisMinReplicasToWrite",
    minReplicasMaxLagSeconds: "redisMinReplicasMaxLagSeconds",
    disklessSyncDelaySeconds: "redisDisklessSyncDelaySeconds",
  };
  if (nodes >= 3) {
    for (const problem of tuningProblems(tuning, nodes, nodes - 1)) {
      const field = problem.slice(0, problem.indexOf(":")) as keyof RedisTuning;
      reader.problem(tuningKeys[field], problem.slice(problem.indexOf(":") + 2));
    }
  }
  const images = readImages(reader);
  const clientLabelRaw = reader.string("redisClientLabel") ?? DEFAULTS.redisClientLabel;
  const [labelKey, labelValue = ""] = clientLabelRaw.split("=", 2);
  if (!clientLabelRaw.includes("=") || !LABEL_KEY.test(labelKey) || !LABEL_VALUE.test(labelValue)) {
    reader.problem(
      "redisClientLabel",
      `"${clientLabelRaw}" is not allowed; use key=value with Kubernetes label syntax, e.g. "${DEFAULTS.redisClientLabel}"`,
    );
  }
  const allowedNamespaces = reader.stringList("redisAllowedNamespaces", []);
  allowedNamespaces.forEach((ns, i) => {
    if (!DNS_LABEL.test(ns))
      reader.problem(`redisAllowedNamespaces[${i}]`, `"${ns}" is not a valid namespace name`);
  });
  const storageClassName =
    reader.string("redisStorageClass", DNS_LABEL, "a StorageClass name (lower-case DNS label)") ??
    (mode === "aws" ? "gp3" : "");
  const redis: RedisConfig = {
    namespace:
      reader.string("redisNamespace", DNS_LABEL, "a lower-case DNS label of up to 63 characters") ??
      DEFAULTS.redisNamespace,
    releaseName:
      reader.string(
        "redisReleaseName",
        /^[a-z]([-a-z0-9]{0,45}[a-z0-9])?$/,
        "1-47 lower-case letters, digits or '-', starting with a letter (the chart's pod names add suffixes)",
      ) ?? DEFAULTS.redisReleaseName,
    chart:
      reader.string(
        "redisChart",
        CHART_REF,
        'an oci:// or https:// chart location, e.g. "oci://registry-1.docker.io/bitnamicharts/redis"',
      ) ?? DEFAULTS.redisChart,
    chartVersion:
      reader.string(
        "redisChartVersion",
        CHART_VERSION,
        'an exact chart version such as "23.1.1"',
      ) ?? DEFAULTS.redisChartVersion,
    images,
    imagesOverridden: imagesNeedInsecureFlag(images),
    nodes,
    tuning,
    passwordFromConfig: secretsSet.includes("redisPassword"),
    persistenceSize:
      reader.string("redisPersistenceSize", SIZE, 'a size such as "8Gi"') ??
      DEFAULTS.redisPersistenceSize,
    storageClassName,
    masterService: reader.boolean("redisMasterService", DEFAULTS.redisMasterService),
    serviceMonitor: reader.boolean("redisServiceMonitor", DEFAULTS.redisServiceMonitor),
    allowedNamespaces,
    clientLabel: { key: labelKey, value: labelValue },
    resources: readResources(reader, "redisResources", DEFAULT_REDIS_RESOURCES),
    sentinelResources: readResources(reader, "sentinelResources", DEFAULT_SENTINEL_RESOURCES),
  };
  for (const problem of chartConstraintProblems(redis, "")) {
    const path = problem.slice(0, problem.indexOf(":"));
    reader.problem(redisKeyFor(path), problem.slice(path.length + 2));
  }
  if (mode === "aws" && nodeMinSize < nodes) {
    reader.problem(
      "nodeMinSize",
      `${nodeMinSize} is not allowed with redisNodes ${nodes}; use at least ${nodes}: hard anti-affinity puts each Redis node on a node of its own`,
    );
  }

  // Cleanup.
  const cleanup = {
    volumeMode: reader.oneOf("volumeCleanupMode", VOLUME_CLEANUP_MODES, DEFAULTS.volumeCleanupMode),
    timeoutSeconds: reader.integer(
      "cleanupTimeoutSeconds",
      DEFAULTS.cleanupTimeoutSeconds,
      30,
      3600,
    ),
  };

  // Cluster-only mode.
  const kubeContext = reader.string("kubeContext");
  if (mode === "clusterOnly" && !secretsSet.includes("kubeconfig")) {
    reader.problem(
      "kubeconfig",
      'is required in clusterOnly mode (andyredis:kubeContext then picks one of its contexts); set it with `pulumi config set --secret andyredis:kubeconfig "$(cat ~/.kube/config)"`',
    );
  }
  const clusterOnlyKeysSet = [
    ...(secretsSet.includes("kubeconfig") ? ["kubeconfig"] : []),
    ...(kubeContext !== undefined ? ["kubeContext"] : []),
  ];
  for (const key of mode === "aws" ? clusterOnlyKeysSet : []) {
    reader.problem(
      key,
      "is only used in clusterOnly mode; unset it or set andyredis:mode to clusterOnly",
    );
  }
  if (mode === "clusterOnly" && cleanup.volumeMode !== "delete") {
    reader.problem(
      "volumeCleanupMode",
      `"${cleanup.volumeMode}" is not allowed in clusterOnly mode, which has no destroy hook (the release's PVCs go with it); use delete`,
    );
  }

  if (reader.problems.length > 0) throw new ConfigError(reader.problems);

  return {
    mode,
    region,
    stackTag,
    tags: defaultTags(userTags, stackTag),
    network: { vpcCidr, publicSubnetCidrs, privateSubnetCidrs, zoneCount, natMode },
    cluster: {
      name: clusterName,
      kubernetesVersion,
      nodeInstanceType,
      nodeMinSize,
      nodeDesiredSize,
      nodeMaxSize,
      nodeDiskSizeGiB,
      adminPrincipalArns,
      apiPublicAccessCidrs,
    },
    loadBalancer: { domainName, targetPort, ingressCidrs: albIngressCidrs },
    redis,
    cleanup,
    existingCluster:
      mode === "clusterOnly"
        ? { kubeconfigSet: secretsSet.includes("kubeconfig"), context: kubeContext }
        : undefined,
  };
}

/** The secrets the program needs, as Pulumi secret outputs. */
export interface StackSecrets {
  readonly redisPassword?: pulumi.Output<string>;
  readonly kubeconfig?: pulumi.Output<string>;
}

/** Reads the stack's config from Pulumi, validates it, and returns it with its secrets. */
export function loadConfig(): { config: StackConfig; secrets: StackSecrets } {
  const cfg = new pulumi.Config(NAMESPACE);
  const raw: RawConfig = {};
  for (const key of PLAIN_KEYS) {
    const value = cfg.get(key);
    if (value !== undefined) raw[key] = value;
  }
  const secrets: Record<string, pulumi.Output<string>> = {};
  for (const key of SECRET_KEYS) {
    const value = cfg.getSecret(key);
    if (value !== undefined) secrets[key] = value;
  }
  const prefix = `${NAMESPACE}:`;
  const config = parseConfig(raw, {
    organization: pulumi.getOrganization(),
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    awsRegion: new pulumi.Config("aws").get("region"),
    secretsSet: Object.keys(secrets) as SecretKey[],
    keysSet: Object.keys(pulumi.runtime.allConfig())
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length)),
  });
  // A secret can only be checked once its value is known; the release waits for the password,
  // so a bad one still fails before any Redis resource is created.
  const redisPassword = secrets.redisPassword?.apply((password) => {
    const problems = redisPasswordProblems(password, `${NAMESPACE}:redisPassword`);
    if (problems.length > 0) throw new ConfigError(problems);
    return password;
  });
  return { config, secrets: { redisPassword, kubeconfig: secrets.kubeconfig } };
}
