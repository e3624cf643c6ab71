/**
 * The "Redis" keys: the release, the chart and its images, the node count and the Sentinel and
 * replication tuning (with the rules that tie them to the node count), access, resources.
 */
import { ContainerResources, ImageRef, RedisConfig, RedisImages } from "./configTypes";
import { chartLocationProblem, isRemoteChart } from "./chartLocation";
import { dockerConfigProblem, passwordProblem, persistenceSizeProblem } from "./checks";
import type { ConfigFiles } from "./configFiles";
import { DEFAULTS } from "./keys";
import { orderProblem, RawReader } from "./rawReader";
import { ACL_USERS, AclExtraRules, AclUserName, aclRuleProblem } from "../redis/acl";
import { maxmemoryDirective } from "../redis/chartValues";
import { AWS_STORAGE_CLASS, MAX_RELEASE_NAME_LENGTH } from "../redis/defaults";
import { DEFAULT_REDIS_IMAGES } from "../redis/images";
import { parseQuantity } from "../redis/quantity";
import { redisEndpoints } from "../redis/endpoints";
import { TLS_CERTIFICATE_KEYS, tlsCertificateProblems } from "../redis/tlsCertificates";
import { RedisTuning } from "../tuning";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CHART_VERSION = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;
/** A Sentinel master set name: what sentinel.conf and the clients take unquoted. */
const MASTER_SET = /^[A-Za-z0-9._-]{1,64}$/;
/** The chart names its StatefulSet `<release>-node` and labels pods with it (`MAX_RELEASE_NAME_LENGTH`). */
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
 * The quorums allowed with `nodes` sentinels (one beside each Redis node): from a majority, so
 * that a partitioned minority can never fail over on its own, to all of them.
 */
export function quorumRange(nodes: number): { readonly min: number; readonly max: number } {
  return { min: Math.floor(nodes / 2) + 1, max: nodes };
}

/**
 * The largest `min-replicas-to-write` with `nodes` Redis nodes: the replicas less one, so that
 * losing one replica does not stop writes.
 */
export function maxMinReplicasToWrite(nodes: number): number {
  return nodes - 2;
}

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

/** The tuning keys, checked against the node count they will run with. */
function parseTuning(reader: RawReader, nodes: number): RedisTuning {
  const downAfterMs = reader.integer("sentinelDownAfterMs");
  const failoverTimeoutMs = reader.integer("sentinelFailoverTimeoutMs");
  orderProblem(
    reader,
    "sentinelDownAfterMs",
    downAfterMs,
    "sentinelFailoverTimeoutMs",
    failoverTimeoutMs,
    { strict: true },
  );
  const quorum = reader.integer("sentinelQuorum");
  if (reader.valid("redisNodes") && reader.valid("sentinelQuorum")) {
    const { min, max } = quorumRange(nodes);
    if (quorum < min || quorum > max) {
      reader.problem(
        "sentinelQuorum",
        `${quorum} is not allowed with redisNodes ${nodes}; use an integer from ${min} (a majority) to ${max}`,
      );
    }
  }
  const minReplicasToWrite = reader.integer("redisMinReplicasToWrite");
  if (reader.valid("redisNodes") && reader.valid("redisMinReplicasToWrite")) {
    const max = maxMinReplicasToWrite(nodes);
    if (minReplicasToWrite < 0 || minReplicasToWrite > max) {
      reader.problem(
        "redisMinReplicasToWrite",
        `${minReplicasToWrite} is not allowed with redisNodes ${nodes}; use an integer from 0 to ${max}, so that losing one replica does not stop writes`,
      );
    }
  }
  return {
    masterSet: reader.string("redisMasterSet", MASTER_SET),
    quorum,
    downAfterMs,
    failoverTimeoutMs,
    parallelSyncs: reader.integer("sentinelParallelSyncs"),
    minReplicasToWrite,
    minReplicasMaxLagSeconds: reader.integer("redisMinReplicasMaxLagSeconds"),
    disklessSyncDelaySeconds: reader.integer("redisDisklessSyncDelaySeconds"),
  };
}

export function parseRedis(
  reader: RawReader,
  env: {
    readonly aws: boolean;
    readonly nodeMinSize: number;
    readonly files: ConfigFiles;
    readonly now: Date;
  },
): RedisConfig {
  const { aws, files, now } = env;
  const nodes = reader.integer("redisNodes");
  if (aws) {
    orderProblem(reader, "redisNodes", nodes, "nodeMinSize", env.nodeMinSize, {
      why: "hard anti-affinity puts each Redis node on a node of its own",
    });
  }
  const tuning = parseTuning(reader, nodes);
  const images = readImages(reader);
  const clientLabelRaw = reader.string("redisClientLabel");
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
  const chartVersion = reader.string("redisChartVersion", CHART_VERSION);
  const chart = reader.string("redisChart");
  if (reader.isSet("redisChart") && !reader.hasProblem("redisChartVersion")) {
    const problem = chartLocationProblem(chart, chartVersion, files);
    if (problem !== undefined) reader.problem("redisChart", problem);
  }
  // Checked here with the rest; its value reaches the program as a secret (io/loadConfig.ts).
  const allowScripting = reader.boolean("redisAllowScripting");
  const password = reader.string("redisPassword", passwordProblem);
  const previous = reader.string("redisPasswordPrevious", passwordProblem);
  if (previous !== undefined && previous === password) {
    reader.problem(
      "redisPasswordPrevious",
      "is the same as redisPassword; set it to the password clients used before the change, or remove it",
    );
  }
  const imagePullSecret = reader.string("redisImagePullSecret", dockerConfigProblem);
  const redis: RedisConfig = {
    namespace: reader.string("redisNamespace", DNS_LABEL),
    releaseName: reader.string("redisReleaseName", RELEASE_NAME),
    chart: isRemoteChart(chart) ? chart : files.resolve(chart),
    chartVersion,
    images,
    nodes,
    tuning,
    persistenceSize: reader.string("redisPersistenceSize", persistenceSizeProblem),
    storageClassName:
      reader.string("redisStorageClass", DNS_LABEL) ?? (aws ? AWS_STORAGE_CLASS : ""),
    masterService: reader.boolean("redisMasterService"),
    serviceMonitor: reader.boolean("redisServiceMonitor"),
    allowScripting,
    aclRules: readAclRules(reader, allowScripting),
    imagePullSecret: imagePullSecret !== undefined,
    tls: reader.boolean("redisTls"),
    allowedNamespaces,
    clientLabel: { key: labelKey, value: labelValue },
    resources: readResources(reader, "redisResources"),
    sentinelResources: readResources(reader, "sentinelResources"),
  };
  const tlsCertificates = readTlsCertificates(reader, redis, now);
  return tlsCertificates === undefined ? redis : { ...redis, tlsCertificates };
}

/**
 * `redisTlsCertificate`, `redisTlsPrivateKey`, `redisTlsCaCertificate`: all three or none, only
 * with TLS on, and checked as a client would (lib/redis/tlsCertificates.ts) against the hosts
 * this config gives clients.
 */
function readTlsCertificates(
  reader: RawReader,
  redis: RedisConfig,
  now: Date,
): RedisConfig["tlsCertificates"] {
  const given = {
    certificate: reader.string("redisTlsCertificate"),
    privateKey: reader.string("redisTlsPrivateKey"),
    caCertificate: reader.string("redisTlsCaCertificate"),
  };
  const set = TLS_CERTIFICATE_KEYS.filter((key) => reader.isSet(key));
  if (set.length === 0) return undefined;
  if (!redis.tls) {
    for (const key of set) {
      reader.problem(
        key,
        "is set, but redisTls is false: certificates and a CA for clients mean TLS; set redisTls to true, or remove " +
          set.join(", "),
      );
    }
    return undefined;
  }
  const endpoints = redisEndpoints(redis);
  const hosts = [
    endpoints.sentinelEndpoint,
    ...endpoints.sentinelHosts,
    ...(endpoints.masterEndpoint === undefined ? [] : [endpoints.masterEndpoint]),
  ].map((endpoint) => endpoint.replace(/:\d+$/, ""));
  const problems = tlsCertificateProblems(given, hosts, now);
  for (const { key, problem } of problems) reader.problem(key, problem);
  if (problems.length > 0 || given.certificate === undefined) return undefined;
  return { certificate: given.certificate, caCertificate: given.caCertificate as string };
}

/** `redisAclRules`: per user, rules checked one by one (`aclRuleProblem`). */
function readAclRules(reader: RawReader, allowScripting: boolean): AclExtraRules {
  const raw = reader.object("redisAclRules") ?? {};
  const rules: Partial<Record<AclUserName, string[]>> = {};
  for (const [user, list] of Object.entries(raw)) {
    if (!(ACL_USERS as readonly string[]).includes(user)) {
      reader.problem(
        `redisAclRules.${user}`,
        `is not a user of the stack; use one of ${ACL_USERS.join(", ")}`,
      );
      continue;
    }
    if (!Array.isArray(list) || list.some((rule) => typeof rule !== "string")) {
      reader.problem(`redisAclRules.${user}`, "must be a list of ACL rules (strings)");
      continue;
    }
    const name = user as AclUserName;
    (list as string[]).forEach((rule, i) => {
      const problem = aclRuleProblem(name, rule, { allowScripting }, list.slice(0, i));
      if (problem !== undefined) reader.problem(`redisAclRules.${user}[${i}]`, problem);
    });
    rules[name] = (list as string[]).map((rule) => rule.trim());
  }
  return rules;
}
