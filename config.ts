/**
 * The stack configuration: read once, validated once, typed.
 *
 * Every key is an entry of the table in `lib/config/keys.ts` (type, default, allowed values,
 * modes, secret). `parseConfig` takes the raw text Pulumi holds for each key (lists and maps as
 * JSON; the two secrets included, so that they are checked with everything else) and returns a
 * `StackConfig`, or throws one `ConfigError` listing every problem, one line each, naming the
 * key and what is allowed. It reads the file system only to check a local chart and a kubeconfig
 * path. `loadConfig` reads the raw values from Pulumi and calls it before any resource exists.
 *
 * An empty value means "unset" (Pulumi.yaml declares "" for the keys whose default the program
 * fills in, since the engine requires every declared key without a default), except for keys
 * whose fixed default Pulumi.yaml declares: there an empty value can only be the user's, and is
 * an error.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  CLUSTER_LOG_TYPES,
  ClusterLogType,
  ContainerResources,
  DeploymentMode,
  LOG_RETENTION_DAYS,
  ImageRef,
  NatMode,
  RedisConfig,
  RedisImages,
  SecretsEncryption,
  StackConfig,
  VolumeCleanupMode,
} from "./lib/configTypes";
import { chartLocationProblem, isRemoteChart, localChartPath } from "./lib/config/chart";
import {
  apiAccessProblems,
  cidrListProblems,
  kmsKeyArnProblem,
  kubernetesVersionProblem,
  passwordProblem,
  persistenceSizeProblem,
  Problem,
  regionProblem,
} from "./lib/config/checks";
import {
  ALL_KEYS,
  allowedText,
  ConfigKey,
  declaredDefault,
  declaredDefaultText,
  DEFAULTS,
  defaultText,
  modesText,
  rangeText,
  SECRET_KEYS,
  specOf,
  protectDataByDefault,
} from "./lib/config/keys";
import { checkKubeconfig } from "./lib/config/kubeconfig";
import { cidrProblems } from "./lib/network/subnetPlan";
import { MAX_RELEASE_NAME_LENGTH, maxmemoryDirective } from "./lib/redis/chartValues";
import { AWS_STORAGE_CLASS } from "./lib/redis/defaults";
import { DEFAULT_REDIS_IMAGES, imagesNeedInsecureFlag } from "./lib/redis/images";
import { parseQuantity } from "./lib/redis/quantity";
import { reservedTagProblem, STACK_TAG_KEY, stackTagValue } from "./lib/tags";
import { RedisTuning } from "./lib/tuning";

export { DEFAULTS, SECRET_KEYS };
export type { ConfigKey, Problem };

/** The project's config namespace: keys are set as `andyredis:<key>`. */
export const NAMESPACE = "andyredis";

export type SecretKey = (typeof SECRET_KEYS)[number];

/** Raw config: the text Pulumi holds for each key that is set (secrets in plain text). */
export type RawConfig = Partial<Record<ConfigKey, string>>;

/** Where the stack runs: feeds the stack tag, the default cluster name and the checks. */
export interface StackContext {
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
  /** `aws:region`, used when `andyredis:region` is not set. */
  readonly awsRegion?: string;
  /** Which keys Pulumi holds encrypted; a secret key set in plain text is refused. */
  readonly encryptedKeys?: readonly string[];
  /** Keys set under the `andyredis:` namespace, to catch typos. */
  readonly keysSet?: readonly string[];
  /** Where relative paths (a local chart, a kubeconfig file) start. Defaults to the cwd. */
  readonly baseDir?: string;
}

/**
 * Every problem with the stack config. A `RunError`: the Pulumi runtime prints its message
 * alone, with no stack trace and no dump of its fields, so the user sees the list once.
 */
export class ConfigError extends pulumi.RunError {
  /** One line per problem: `andyredis:<key>: <message>`. */
  readonly lines: readonly string[];

  constructor(readonly problems: readonly Problem[]) {
    const lines = problems.map((p) => `${NAMESPACE}:${p.key}: ${p.message}`);
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        lines.map((line) => `  - ${line}`).join("\n"),
    );
    this.name = "ConfigError";
    this.lines = lines;
  }
}

/** Reads raw values key by key as the table says, recording every problem. */
class RawReader {
  readonly problems: Problem[] = [];

  constructor(
    private readonly raw: RawConfig,
    private readonly mode: DeploymentMode | undefined,
  ) {}

  problem(key: string, message: string): void {
    this.problems.push({ key, message });
  }

  /**
   * Whether the user set the key: a value other than "" and other than the default Pulumi.yaml
   * declares (which the engine hands over as if set).
   */
  isSet(key: ConfigKey): boolean {
    const value = this.raw[key] ?? "";
    return value !== "" && (declaredDefault(key) === "" || value !== declaredDefaultText(key));
  }

  /**
   * The key's raw text, or undefined when it is unset or does not apply to the stack's mode
   * (which `modeProblems` reports). An empty value where Pulumi.yaml declares a fixed default is
   * the user's own, and an error.
   */
  text(key: ConfigKey): string | undefined {
    const value = this.raw[key];
    const spec = specOf(key);
    if (this.mode !== undefined && !spec.modes.includes(this.mode)) return undefined;
    if (value === "" && declaredDefault(key) !== "") {
      this.problem(
        key,
        `is empty; use ${allowedText(key)}, or remove the key (pulumi config rm ${NAMESPACE}:${key}) for the default ${defaultText(key)}`,
      );
      return undefined;
    }
    return value === "" ? undefined : value;
  }

  private fail(key: ConfigKey, value: string, allowed = allowedText(key)): undefined {
    this.problem(key, `"${value}" is not allowed; use ${allowed}`);
    return undefined;
  }

  /** A string, checked by `check` (a message) or a pattern (the table's allowed text). */
  string(
    key: ConfigKey,
    check?: RegExp | ((value: string) => string | undefined),
  ): string | undefined {
    const value = this.text(key);
    if (value === undefined || check === undefined) return value;
    if (check instanceof RegExp) return check.test(value) ? value : this.fail(key, value);
    const message = check(value);
    if (message !== undefined) {
      this.problem(key, message);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(key: ConfigKey, fallback: T): T {
    const value = this.text(key);
    if (value === undefined) return fallback;
    const allowed = specOf(key).allowed ?? [];
    if (allowed.includes(value)) return value as T;
    this.fail(key, value);
    return fallback;
  }

  /** An integer within the table's range (or any integer, for a range that depends on others). */
  integer(key: ConfigKey): number | undefined {
    const value = this.text(key);
    const spec = specOf(key);
    if (value === undefined) return spec.default as number | undefined;
    const n = Number(value);
    if (
      !/^-?\d+$/.test(value.trim()) ||
      (spec.min !== undefined && n < spec.min) ||
      (spec.max !== undefined && n > spec.max)
    ) {
      return this.fail(key, value, rangeText(key));
    }
    return n;
  }

  /** `fallback`: for a key whose default depends on the stack (`defaultText`). */
  boolean(key: ConfigKey, fallback = specOf(key).default as boolean): boolean {
    const value = this.text(key);
    if (value === undefined) return fallback;
    if (value === "true" || value === "false") return value === "true";
    this.fail(key, value);
    return fallback;
  }

  private json(key: ConfigKey, shape: string): unknown {
    const value = this.text(key);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value);
    } catch {
      this.problem(key, `"${value}" is not ${shape}; set it in the stack file as YAML`);
      return undefined;
    }
  }

  stringList(key: ConfigKey): readonly string[] {
    const value = this.json(key, "a list");
    const fallback = specOf(key).default as readonly string[];
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      this.problem(key, `must be a list of strings: ${allowedText(key)}`);
      return fallback;
    }
    return value;
  }

  stringMap(key: ConfigKey): Record<string, string> {
    const value = this.json(key, "a map");
    if (value === undefined) return {};
    if (
      typeof value !== "object" ||
      value === null ||
      Array.isArray(value) ||
      !Object.values(value).every((v) => typeof v === "string")
    ) {
      this.problem(key, "must be a map of string keys to string values");
      return {};
    }
    return value as Record<string, string>;
  }

  object(key: ConfigKey): Record<string, unknown> | undefined {
    const value = this.json(key, "a map");
    if (value === undefined) return undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.problem(key, `must be a map: ${allowedText(key)}`);
      return undefined;
    }
    return value as Record<string, unknown>;
  }
}

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)\/[\w+=,.@/-]+$/;
const CHART_VERSION = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;
const MASTER_SET = /^[A-Za-z0-9._-]{1,64}$/;
const RELEASE_NAME = new RegExp(`^[a-z]([-a-z0-9]{0,${MAX_RELEASE_NAME_LENGTH - 2}}[a-z0-9])?$`);
const REGISTRY =
  /^(localhost|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)(:\d{1,5})?$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** An OCI content digest as the chart and every registry take it. */
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Splits `registry/repository:tag` the way the chart's `image` blocks want it. A first segment
 * counts as a registry only if it looks like a host (has a dot or a port, or is `localhost`), as
 * Docker decides; digests are not accepted, since the chart pins by tag.
 */
export function parseImageRef(ref: string): ImageRef | string {
  const allowed = `use registry/repository:tag, registry/repository@sha256:<64 hex digits>, or both (registry/repository:tag@sha256:...), e.g. "docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0"`;
  const at = ref.indexOf("@");
  const digest = at < 0 ? undefined : ref.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) {
    return `"${ref}" has a malformed digest "${digest}"; ${allowed}`;
  }
  const name = at < 0 ? ref : ref.slice(0, at);
  const colon = name.lastIndexOf(":");
  const slash = name.lastIndexOf("/");
  if (colon <= slash && digest === undefined) return `"${ref}" has no tag; ${allowed}`;
  const tag = colon <= slash ? "" : name.slice(colon + 1);
  const path = (colon <= slash ? name : name.slice(0, colon)).split("/");
  const first = path[0];
  const hasRegistry =
    path.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = hasRegistry ? first : "docker.io";
  const repository = (hasRegistry ? path.slice(1) : path).join("/");
  if (!REGISTRY.test(registry) || !REPOSITORY.test(repository) || !(tag === "" || TAG.test(tag))) {
    return `"${ref}" is not a valid image reference; ${allowed}`;
  }
  return digest === undefined
    ? { registry, repository, tag }
    : { registry, repository, tag, digest };
}

/** A docker config JSON (`~/.docker/config.json`, `kubectl create secret docker-registry`). */
function dockerConfigProblem(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const auths = (parsed as { auths?: unknown } | undefined)?.auths;
  if (
    typeof auths !== "object" ||
    auths === null ||
    Array.isArray(auths) ||
    Object.keys(auths).length === 0
  ) {
    return `this value is not allowed; use a docker config JSON with at least one registry under "auths" (what ~/.docker/config.json holds)`;
  }
  return undefined;
}

function readImages(reader: RawReader): RedisImages {
  const mirror = reader.string("redisImageRegistry", REGISTRY);
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

/** Container resources over the table's default, every quantity parsed, requests <= limits. */
function readResources(
  reader: RawReader,
  key: "redisResources" | "sentinelResources",
): ContainerResources {
  const fallback = DEFAULTS[key] as ContainerResources;
  const value = reader.object(key);
  if (value === undefined) return fallback;
  const sections: Record<string, Record<string, unknown>> = {};
  for (const [sectionName, section] of Object.entries(value)) {
    if (sectionName !== "requests" && sectionName !== "limits") {
      reader.problem(`${key}.${sectionName}`, "is not a field; use requests and limits");
    } else if (typeof section !== "object" || section === null || Array.isArray(section)) {
      reader.problem(`${key}.${sectionName}`, "must be a map of cpu and memory");
    } else {
      sections[sectionName] = section as Record<string, unknown>;
      for (const field of Object.keys(section)) {
        if (field !== "cpu" && field !== "memory") {
          reader.problem(`${key}.${sectionName}.${field}`, "is not a field; use cpu and memory");
        }
      }
    }
  }
  const quantity = (path: string, v: unknown, d: string | undefined): string | undefined => {
    if (v === undefined) return d;
    if (typeof v !== "string" || parseQuantity(v) === undefined) {
      reader.problem(
        `${key}.${path}`,
        `"${String(v)}" is not allowed; use a Kubernetes quantity such as ${path.endsWith("cpu") ? '"500m"' : '"3Gi"'}`,
      );
      return d;
    }
    return v;
  };
  const requests = sections.requests ?? {};
  const limits = sections.limits ?? {};
  const resources: ContainerResources = {
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
  for (const name of ["cpu", "memory"] as const) {
    const request = resources.requests[name];
    const limit = resources.limits[name];
    const requested = parseQuantity(request);
    const limited = limit === undefined ? undefined : parseQuantity(limit);
    if (requested !== undefined && limited !== undefined && requested > limited) {
      reader.problem(
        `${key}.requests.${name}`,
        `"${request}" is not allowed; use at most the limit "${limit}"`,
      );
    }
  }
  if (key === "redisResources" && maxmemoryDirective(resources) === undefined) {
    reader.problem(
      `${key}.limits.memory`,
      `"${resources.limits.memory}" is not allowed; use at least 1Mi (maxmemory is a share of it)`,
    );
  }
  return resources;
}

/**
 * `low <= high` for two keys: the problem names the key the user set (the other one when only
 * that one is set), with the same words whichever side is out of line.
 */
function orderProblem(
  reader: RawReader,
  lowKey: ConfigKey,
  low: number | undefined,
  highKey: ConfigKey,
  high: number | undefined,
  options: { strict?: boolean; why?: string } = {},
): void {
  const { strict = false, why } = options;
  if (low === undefined || high === undefined) return;
  if (strict ? low < high : low <= high) return;
  const reason = why === undefined ? "" : `: ${why}`;
  if (reader.isSet(highKey) && !reader.isSet(lowKey)) {
    reader.problem(
      highKey,
      `${high} is not allowed; use ${strict ? "more than" : "at least"} ${lowKey} (${low})${reason}`,
    );
  } else {
    reader.problem(
      lowKey,
      `${low} is not allowed; use ${strict ? "less than" : "at most"} ${highKey} (${high})${reason}`,
    );
  }
}

/** Keys set in a mode they do not apply to. */
function modeProblems(reader: RawReader, mode: DeploymentMode): void {
  for (const key of ALL_KEYS) {
    const spec = specOf(key);
    if (!spec.modes.includes(mode) && reader.isSet(key)) {
      reader.problem(
        key,
        `applies only in ${modesText(spec.modes)} mode, and this stack's mode is ${mode}; remove it (pulumi config rm ${NAMESPACE}:${key})`,
      );
    }
  }
}

/**
 * Validates the raw config and returns the typed `StackConfig`. Throws a `ConfigError` naming
 * every problem at once.
 */
export function parseConfig(raw: RawConfig, context: StackContext): StackConfig {
  const baseDir = context.baseDir ?? process.cwd();
  const modeReader = new RawReader(raw, undefined);
  const modeValue = modeReader.oneOf<DeploymentMode>("mode", DEFAULTS.mode);
  const modeValid = modeReader.problems.length === 0;
  const reader = new RawReader(raw, modeValid ? modeValue : undefined);
  reader.problems.push(...modeReader.problems);
  const mode: DeploymentMode = modeValue;
  const aws = mode === "aws";

  for (const key of context.keysSet ?? []) {
    if (!(ALL_KEYS as readonly string[]).includes(key)) {
      reader.problem(
        key,
        `is not a key of this project; see Pulumi.yaml or the README for the keys (${ALL_KEYS.length} in all)`,
      );
    }
  }
  if (modeValid) modeProblems(reader, mode);
  for (const key of SECRET_KEYS) {
    if (
      reader.isSet(key) &&
      context.encryptedKeys &&
      !context.encryptedKeys.includes(`${NAMESPACE}:${key}`)
    ) {
      reader.problem(
        key,
        `is set in plain text; set it as a secret: pulumi config set --secret ${NAMESPACE}:${key} ...`,
      );
    }
  }

  // General and network.
  const allowUnlistedRegion = reader.boolean("allowUnlistedRegion");
  const regionSet = reader.text("region");
  const region = regionSet ?? context.awsRegion ?? DEFAULTS.region;
  if (aws) {
    const problem = regionProblem(region, allowUnlistedRegion);
    if (problem !== undefined) {
      reader.problem(
        "region",
        regionSet === undefined ? `is not set, and aws:region ${problem}` : problem,
      );
    }
  }
  const stackName = stackTagValue(context.organization, context.project, context.stack);
  const userTags = reader.stringMap("tags");
  for (const tagKey of Object.keys(userTags)) {
    const problem =
      tagKey === STACK_TAG_KEY
        ? `is not allowed: the stack sets it to "${stackName}/<its random id>" and cleanup depends on it`
        : reservedTagProblem(tagKey);
    if (problem !== undefined) reader.problem(`tags.${tagKey}`, problem);
  }
  const zoneCount = reader.integer("zoneCount") ?? DEFAULTS.zoneCount;
  const natMode = reader.oneOf<NatMode>("natMode", DEFAULTS.natMode);
  const vpcCidr = reader.string("vpcCidr") ?? DEFAULTS.vpcCidr;
  const publicSubnetCidrs = reader.stringList("publicSubnetCidrs");
  const privateSubnetCidrs = reader.stringList("privateSubnetCidrs");
  if (aws) {
    for (const problem of cidrProblems(vpcCidr, publicSubnetCidrs, privateSubnetCidrs, zoneCount)) {
      reader.problem(problem.key, problem.message);
    }
  }

  // Cluster and load balancer.
  const clusterNameSet = reader.string("clusterName", CLUSTER_NAME);
  const clusterName = clusterNameSet ?? `andyredis-${context.stack}`.slice(0, 100);
  if (aws && !reader.isSet("clusterName") && !CLUSTER_NAME.test(clusterName)) {
    reader.problem(
      "clusterName",
      `is not set, and the default "${clusterName}" (from the stack name) is not a valid EKS name; use ${allowedText("clusterName")}`,
    );
  }
  const kubernetesVersion =
    reader.string("kubernetesVersion", kubernetesVersionProblem) ?? DEFAULTS.kubernetesVersion;
  const nodeInstanceType =
    reader.string("nodeInstanceType", INSTANCE_TYPE) ?? DEFAULTS.nodeInstanceType;
  const nodeMinSize = reader.integer("nodeMinSize");
  const nodeDesiredSize = reader.integer("nodeDesiredSize");
  const nodeMaxSize = reader.integer("nodeMaxSize");
  orderProblem(reader, "nodeMinSize", nodeMinSize, "nodeDesiredSize", nodeDesiredSize);
  orderProblem(reader, "nodeDesiredSize", nodeDesiredSize, "nodeMaxSize", nodeMaxSize);
  const nodeDiskSizeGiB = reader.integer("nodeDiskSizeGiB") ?? DEFAULTS.nodeDiskSizeGiB;
  const adminPrincipalArns = reader.stringList("clusterAdmins");
  adminPrincipalArns.forEach((arn, i) => {
    if (!PRINCIPAL_ARN.test(arn)) {
      reader.problem(
        `clusterAdmins[${i}]`,
        `"${arn}" is not allowed; use an IAM role or user ARN such as "arn:aws:iam::123456789012:role/admin"`,
      );
    }
  });
  const apiEndpointPublic = reader.boolean("apiEndpointPublic");
  const apiPublicAccessAllowAnywhere = reader.boolean("apiPublicAccessAllowAnywhere");
  const problemsBefore = reader.problems.length;
  const apiCidrsSet = reader.isSet("apiPublicAccessCidrs")
    ? (reader.stringList("apiPublicAccessCidrs") ?? [])
    : undefined;
  const apiCidrsReadable = reader.problems.length === problemsBefore;
  const albIngressCidrs = reader.stringList("albIngressCidrs");
  if (aws) {
    const apiProblems = apiCidrsReadable
      ? apiAccessProblems(apiEndpointPublic, apiCidrsSet, apiPublicAccessAllowAnywhere)
      : [];
    for (const problem of [...apiProblems, ...cidrListProblems("albIngressCidrs", albIngressCidrs)])
      reader.problem(problem.key, problem.message);
  }
  const apiPublicAccessCidrs = apiEndpointPublic ? (apiCidrsSet ?? []) : [];
  const logTypes = reader.stringList("clusterLogTypes");
  logTypes.forEach((type, i) => {
    if (!(CLUSTER_LOG_TYPES as readonly string[]).includes(type) || logTypes.indexOf(type) !== i) {
      reader.problem(
        `clusterLogTypes[${i}]`,
        `"${type}" is not allowed${logTypes.indexOf(type) !== i ? " twice" : ""}; use ${allowedText("clusterLogTypes")}`,
      );
    }
  });
  if (logTypes.length === 0) {
    reader.problem(
      "clusterLogTypes",
      `must list at least one log type (control-plane logging cannot be turned off); use ${allowedText("clusterLogTypes")}`,
    );
  }
  const logRetentionDays =
    reader.integer("clusterLogRetentionDays") ?? DEFAULTS.clusterLogRetentionDays;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    reader.problem(
      "clusterLogRetentionDays",
      `"${logRetentionDays}" is not allowed; use ${allowedText("clusterLogRetentionDays")}`,
    );
  }
  const keyChoice = reader.string("secretsEncryptionKey") ?? DEFAULTS.secretsEncryptionKey;
  let secretsEncryption: SecretsEncryption = { kind: "none" };
  if (keyChoice === "create") {
    secretsEncryption = { kind: "create" };
  } else if (keyChoice !== "none") {
    const problem = aws ? kmsKeyArnProblem(keyChoice, region) : undefined;
    if (problem !== undefined) reader.problem("secretsEncryptionKey", problem);
    else secretsEncryption = { kind: "keyArn", keyArn: keyChoice };
  }
  const domainName = reader.string("domainName", DOMAIN);
  const targetPort = reader.integer("albTargetPort") ?? DEFAULTS.albTargetPort;

  // Redis.
  const nodes = reader.integer("redisNodes");
  if (aws) {
    orderProblem(reader, "redisNodes", nodes, "nodeMinSize", nodeMinSize, {
      why: "hard anti-affinity puts each Redis node on a node of its own",
    });
  }
  const downAfterMs = reader.integer("sentinelDownAfterMs");
  const failoverTimeoutMs = reader.integer("sentinelFailoverTimeoutMs");
  orderProblem(
    reader,
    "sentinelDownAfterMs",
    downAfterMs,
    "sentinelFailoverTimeoutMs",
    failoverTimeoutMs,
    {
      strict: true,
    },
  );
  const quorum = reader.integer("sentinelQuorum");
  if (nodes !== undefined && quorum !== undefined) {
    const majority = Math.floor(nodes / 2) + 1;
    if (quorum < majority || quorum > nodes) {
      reader.problem(
        "sentinelQuorum",
        `${quorum} is not allowed with redisNodes ${nodes}; use an integer from ${majority} (a majority) to ${nodes}`,
      );
    }
  }
  const minReplicasToWrite = reader.integer("redisMinReplicasToWrite");
  if (nodes !== undefined && minReplicasToWrite !== undefined) {
    if (minReplicasToWrite < 0 || minReplicasToWrite > nodes - 2) {
      reader.problem(
        "redisMinReplicasToWrite",
        `${minReplicasToWrite} is not allowed with redisNodes ${nodes}; use an integer from 0 to ${nodes - 2}, so that losing one replica does not stop writes`,
      );
    }
  }
  const tuning: RedisTuning = {
    masterSet: reader.string("redisMasterSet", MASTER_SET) ?? DEFAULTS.redisMasterSet,
    quorum: quorum ?? DEFAULTS.sentinelQuorum,
    downAfterMs: downAfterMs ?? DEFAULTS.sentinelDownAfterMs,
    failoverTimeoutMs: failoverTimeoutMs ?? DEFAULTS.sentinelFailoverTimeoutMs,
    parallelSyncs: reader.integer("sentinelParallelSyncs") ?? DEFAULTS.sentinelParallelSyncs,
    minReplicasToWrite: minReplicasToWrite ?? DEFAULTS.redisMinReplicasToWrite,
    minReplicasMaxLagSeconds:
      reader.integer("redisMinReplicasMaxLagSeconds") ?? DEFAULTS.redisMinReplicasMaxLagSeconds,
    disklessSyncDelaySeconds:
      reader.integer("redisDisklessSyncDelaySeconds") ?? DEFAULTS.redisDisklessSyncDelaySeconds,
  };
  const images = readImages(reader);
  const clientLabelRaw = reader.text("redisClientLabel") ?? DEFAULTS.redisClientLabel;
  const [labelKey, labelValue = ""] = clientLabelRaw.split("=", 2);
  if (!clientLabelRaw.includes("=") || !LABEL_KEY.test(labelKey) || !LABEL_VALUE.test(labelValue)) {
    reader.problem(
      "redisClientLabel",
      `"${clientLabelRaw}" is not allowed; use key=value with Kubernetes label syntax, e.g. "${DEFAULTS.redisClientLabel}"`,
    );
  }
  const allowedNamespaces = reader.stringList("redisAllowedNamespaces");
  allowedNamespaces.forEach((ns, i) => {
    if (!DNS_LABEL.test(ns)) {
      reader.problem(
        `redisAllowedNamespaces[${i}]`,
        `"${ns}" is not allowed; use a namespace name (a lower-case DNS label)`,
      );
    }
  });
  const chartVersion =
    reader.string("redisChartVersion", CHART_VERSION) ?? DEFAULTS.redisChartVersion;
  const chartSet = reader.string("redisChart");
  if (chartSet !== undefined && reader.problems.every((p) => p.key !== "redisChartVersion")) {
    const problem = chartLocationProblem(chartSet, chartVersion, baseDir);
    if (problem !== undefined) reader.problem("redisChart", problem);
  }
  const chart = chartSet ?? DEFAULTS.redisChart;
  const password = reader.string("redisPassword", passwordProblem);
  const imagePullSecret = reader.string("redisImagePullSecret", dockerConfigProblem);
  const redis: RedisConfig = {
    namespace: reader.string("redisNamespace", DNS_LABEL) ?? DEFAULTS.redisNamespace,
    releaseName: reader.string("redisReleaseName", RELEASE_NAME) ?? DEFAULTS.redisReleaseName,
    chart: isRemoteChart(chart) ? chart : localChartPath(chart, baseDir),
    chartVersion,
    images,
    imagesOverridden: imagesNeedInsecureFlag(images),
    nodes: nodes ?? DEFAULTS.redisNodes,
    tuning,
    passwordFromConfig: password !== undefined,
    persistenceSize:
      reader.string("redisPersistenceSize", persistenceSizeProblem) ??
      DEFAULTS.redisPersistenceSize,
    storageClassName:
      reader.string("redisStorageClass", DNS_LABEL) ?? (aws ? AWS_STORAGE_CLASS : ""),
    masterService: reader.boolean("redisMasterService"),
    serviceMonitor: reader.boolean("redisServiceMonitor"),
    allowScripting: reader.boolean("redisAllowScripting"),
    imagePullSecret: imagePullSecret !== undefined,
    tls: reader.boolean("redisTls"),
    allowedNamespaces,
    clientLabel: { key: labelKey, value: labelValue },
    resources: readResources(reader, "redisResources"),
    sentinelResources: readResources(reader, "sentinelResources"),
  };

  // Destroy and cluster-only mode.
  const cleanup = {
    volumeMode: reader.oneOf<VolumeCleanupMode>("volumeCleanupMode", DEFAULTS.volumeCleanupMode),
    timeoutSeconds: reader.integer("cleanupTimeoutSeconds") ?? DEFAULTS.cleanupTimeoutSeconds,
  };
  const protectData = reader.boolean("protectData", protectDataByDefault(context.stack));
  const kubeconfig = reader.text("kubeconfig");
  const kubeContext = reader.text("kubeContext");
  if (mode === "clusterOnly" && modeValid) {
    if (kubeconfig === undefined) {
      reader.problem(
        "kubeconfig",
        "is required in clusterOnly mode; set it with `pulumi config set --secret andyredis:kubeconfig < ~/.kube/config` (or a file path)",
      );
    } else {
      const check = checkKubeconfig(kubeconfig, baseDir);
      const contexts = check.contexts ?? [];
      // With no contexts at all (a stub) there is nothing to check a context against; the
      // Kubernetes provider has the last word.
      if (check.problem !== undefined) {
        reader.problem("kubeconfig", check.problem);
      } else if (
        contexts.length > 0 &&
        kubeContext !== undefined &&
        !contexts.includes(kubeContext)
      ) {
        reader.problem(
          "kubeContext",
          `"${kubeContext}" is not a context of andyredis:kubeconfig; use one of: ${contexts.join(", ")}`,
        );
      } else if (
        contexts.length > 0 &&
        kubeContext === undefined &&
        check.currentContext === undefined
      ) {
        reader.problem(
          "kubeContext",
          `is required: andyredis:kubeconfig has no current-context; use one of: ${contexts.join(", ")}`,
        );
      }
    }
  }

  if (reader.problems.length > 0) throw new ConfigError(reader.problems);

  return {
    mode,
    region,
    stackName,
    tags: userTags,
    network: { vpcCidr, publicSubnetCidrs, privateSubnetCidrs, zoneCount, natMode },
    cluster: {
      name: clusterName,
      kubernetesVersion,
      nodeInstanceType,
      nodeMinSize: nodeMinSize ?? DEFAULTS.nodeMinSize,
      nodeDesiredSize: nodeDesiredSize ?? DEFAULTS.nodeDesiredSize,
      nodeMaxSize: nodeMaxSize ?? DEFAULTS.nodeMaxSize,
      nodeDiskSizeGiB,
      adminPrincipalArns,
      apiEndpointPublic,
      apiPublicAccessCidrs,
      logTypes: logTypes as readonly ClusterLogType[],
      logRetentionDays,
      secretsEncryption,
    },
    loadBalancer: { domainName, targetPort, ingressCidrs: albIngressCidrs },
    redis,
    cleanup,
    protectData,
    existingCluster:
      mode === "clusterOnly" ? { kubeconfigSet: true, context: kubeContext } : undefined,
  };
}

/** The secrets the program needs, as Pulumi secret outputs. */
export interface StackSecrets {
  readonly redisPassword?: pulumi.Output<string>;
  readonly kubeconfig?: pulumi.Output<string>;
  /** `redisImagePullSecret`: a docker config JSON for the images' registry. */
  readonly redisImagePullSecret?: pulumi.Output<string>;
}

/** Which config keys the engine handed over encrypted (the SDK keeps this internal). */
function runtimeSecretCheck(): ((key: string) => boolean) | undefined {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret;
}

/** What the engine hands the program: every config value as text, and the stack it runs for. */
export interface EngineConfig {
  /** Every config value by its full key (`andyredis:<key>`, `aws:region`), as text. */
  readonly values: Readonly<Record<string, string>>;
  /** Whether the engine handed a key over encrypted; undefined when the SDK cannot tell. */
  readonly isSecret?: (key: string) => boolean;
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
}

/**
 * `loadConfig` without the Pulumi runtime: validates the config the engine hands the program and
 * returns it with the raw values (the secrets' text included). Throws a `ConfigError`.
 */
export function readEngineConfig(engine: EngineConfig): { config: StackConfig; raw: RawConfig } {
  const raw: RawConfig = {};
  for (const key of ALL_KEYS) {
    const value = engine.values[`${NAMESPACE}:${key}`];
    if (value !== undefined) raw[key] = value;
  }
  const prefix = `${NAMESPACE}:`;
  const namespaced = Object.keys(engine.values).filter((k) => k.startsWith(prefix));
  const isSecret = engine.isSecret;
  const config = parseConfig(raw, {
    organization: engine.organization,
    project: engine.project,
    stack: engine.stack,
    awsRegion: engine.values["aws:region"],
    encryptedKeys: isSecret === undefined ? undefined : namespaced.filter((key) => isSecret(key)),
    keysSet: namespaced.map((k) => k.slice(prefix.length)),
  });
  return { config, raw };
}

/**
 * Reads the stack's config from Pulumi, validates all of it (the secrets' values included)
 * before any resource exists, and returns it with the secrets as secret outputs.
 */
export function loadConfig(): { config: StackConfig; secrets: StackSecrets } {
  const { config, raw } = readEngineConfig({
    values: pulumi.runtime.allConfig(),
    isSecret: runtimeSecretCheck(),
    organization: pulumi.getOrganization(),
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
  });
  const secret = (key: SecretKey): pulumi.Output<string> | undefined =>
    raw[key] ? pulumi.secret(raw[key]) : undefined;
  return {
    config,
    secrets: {
      redisPassword: secret("redisPassword"),
      kubeconfig: secret("kubeconfig"),
      redisImagePullSecret: secret("redisImagePullSecret"),
    },
  };
}
