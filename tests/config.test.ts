import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { registered, resetRegistry, settle } from "./mocks";
import {
  ConfigError,
  loadConfig,
  parseConfig,
  parseImageRef,
  RawConfig,
  StackContext,
} from "../config";
import { DEFAULT_TUNING } from "../lib/tuning";
import { DEFAULT_REDIS_IMAGES } from "../lib/redis/images";

const CONTEXT: StackContext = { organization: "acme", project: "andyredis", stack: "dev" };

function problemsOf(raw: RawConfig, context: Partial<StackContext> = {}): string[] {
  try {
    parseConfig(raw, { ...CONTEXT, ...context });
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

describe("config: defaults", () => {
  const config = parseConfig({}, CONTEXT);

  it("gives the origin's network over 3 zones with one NAT gateway", () => {
    assert.equal(config.network.vpcCidr, "10.107.0.0/16");
    assert.deepEqual(config.network.publicSubnetCidrs, [
      "10.107.85.0/24",
      "10.107.86.0/24",
      "10.107.87.0/24",
    ]);
    assert.deepEqual(config.network.privateSubnetCidrs, [
      "10.107.88.0/24",
      "10.107.89.0/24",
      "10.107.80.0/24",
    ]);
    assert.equal(config.network.zoneCount, 3);
    assert.equal(config.network.natMode, "single");
  });

  it("picks a current node type, 3/3/6 nodes, a standard-support Kubernetes version, Seoul", () => {
    assert.equal(config.region, "ap-northeast-2");
    assert.equal(config.cluster.name, "andyredis-dev");
    assert.equal(config.cluster.kubernetesVersion, "1.35");
    assert.equal(config.cluster.nodeInstanceType, "m7i.large");
    assert.deepEqual(
      [config.cluster.nodeMinSize, config.cluster.nodeDesiredSize, config.cluster.nodeMaxSize],
      [3, 3, 6],
    );
  });

  it("tags every resource with the stack tag, which user tags cannot override", () => {
    assert.equal(config.stackTag, "acme/andyredis/dev");
    assert.deepEqual(config.tags, { "andyredis/stack": "acme/andyredis/dev" });
    const withTags = parseConfig({ tags: JSON.stringify({ team: "platform" }) }, CONTEXT);
    assert.deepEqual(withTags.tags, { team: "platform", "andyredis/stack": "acme/andyredis/dev" });
  });

  it("deploys the shared tuning and the bitnamilegacy images", () => {
    assert.deepEqual(config.redis.tuning, DEFAULT_TUNING);
    assert.deepEqual(config.redis.images, DEFAULT_REDIS_IMAGES);
    // bitnamilegacy only draws a warning from the chart's image check, not a refusal.
    assert.equal(config.redis.imagesOverridden, false);
    assert.equal(
      parseConfig({ redisImageRegistry: "mirror.example.com" }, CONTEXT).redis.imagesOverridden,
      true,
    );
    assert.equal(config.redis.storageClassName, "gp3");
    assert.equal(config.cleanup.volumeMode, "delete");
  });

  it("falls back to aws:region, and andyredis:region wins over it", () => {
    assert.equal(parseConfig({}, { ...CONTEXT, awsRegion: "eu-west-1" }).region, "eu-west-1");
    assert.equal(
      parseConfig({ region: "us-east-2" }, { ...CONTEXT, awsRegion: "eu-west-1" }).region,
      "us-east-2",
    );
  });

  it("points every image at a mirror registry", () => {
    const mirrored = parseConfig({ redisImageRegistry: "mirror.example.com:5000" }, CONTEXT);
    for (const image of Object.values(mirrored.redis.images)) {
      assert.equal(image.registry, "mirror.example.com:5000");
    }
    assert.equal(mirrored.redis.images.redis.repository, "bitnamilegacy/redis");
  });

  it("overrides one image by reference", () => {
    const custom = parseConfig(
      { redisImages: JSON.stringify({ sentinel: "registry.example.com/team/sentinel:8.2.1" }) },
      CONTEXT,
    );
    assert.deepEqual(custom.redis.images.sentinel, {
      registry: "registry.example.com",
      repository: "team/sentinel",
      tag: "8.2.1",
    });
    assert.deepEqual(custom.redis.images.redis, DEFAULT_REDIS_IMAGES.redis);
  });
});

describe("config: invalid values fail with the key and what is allowed", () => {
  const cases: {
    name: string;
    raw: RawConfig;
    context?: Partial<StackContext>;
    message: RegExp;
  }[] = [
    {
      name: "a subnet outside the VPC",
      raw: {
        publicSubnetCidrs: JSON.stringify(["10.108.1.0/24", "10.107.86.0/24", "10.107.87.0/24"]),
      },
      message:
        /^andyredis:publicSubnetCidrs\[0\]: "10.108.1.0\/24" is not inside the VPC CIDR "10.107.0.0\/16"$/,
    },
    {
      name: "overlapping subnets",
      raw: {
        privateSubnetCidrs: JSON.stringify(["10.107.85.0/25", "10.107.89.0/24", "10.107.80.0/24"]),
      },
      message:
        /^andyredis:privateSubnetCidrs\[0\]: "10.107.85.0\/25" overlaps publicSubnetCidrs\[0\] "10.107.85.0\/24"$/,
    },
    {
      name: "fewer CIDRs than zones",
      raw: { publicSubnetCidrs: JSON.stringify(["10.107.85.0/24", "10.107.86.0/24"]) },
      message: /^andyredis:publicSubnetCidrs: lists 2 CIDRs for 3 zones/,
    },
    {
      name: "a misaligned CIDR",
      raw: { vpcCidr: "10.107.0.1/16" },
      message: /^andyredis:vpcCidr: .*did you mean "10.107.0.0\/16"/,
    },
    {
      name: "a VPC larger than /16",
      raw: { vpcCidr: "10.0.0.0/8" },
      message: /^andyredis:vpcCidr: .*from \/16 to \/28/,
    },
    {
      name: "min > desired",
      raw: { nodeMinSize: "4" },
      message:
        /^andyredis:nodeMinSize: 4, nodeDesiredSize 3, nodeMaxSize 6 .*nodeMinSize <= nodeDesiredSize <= nodeMaxSize/,
    },
    {
      name: "desired > max",
      raw: { nodeDesiredSize: "7" },
      message: /nodeDesiredSize 7, nodeMaxSize 6 are not allowed/,
    },
    {
      name: "an unknown NAT mode",
      raw: { natMode: "none" },
      message: /^andyredis:natMode: "none" is not allowed; use one of: single, perZone$/,
    },
    {
      name: "one zone",
      raw: { zoneCount: "1" },
      message: /^andyredis:zoneCount: "1" is not allowed; use an integer from 2 to 3$/,
    },
    {
      name: "a malformed domain",
      raw: { domainName: "Example..com" },
      message: /^andyredis:domainName: "Example..com" is not allowed; use a lower-case DNS domain/,
    },
    {
      name: "a domain with a wildcard",
      raw: { domainName: "*.example.com" },
      message: /^andyredis:domainName:/,
    },
    {
      name: "an admin that is not an ARN",
      raw: { clusterAdmins: JSON.stringify(["alice"]) },
      message: /^andyredis:clusterAdmins\[0\]: "alice" is not allowed; use an IAM role or user ARN/,
    },
    {
      name: "an unknown mode",
      raw: { mode: "gke" },
      message: /^andyredis:mode: "gke" is not allowed; use one of: aws, clusterOnly$/,
    },
    {
      name: "a bad region",
      raw: { region: "seoul" },
      message: /^andyredis:region: "seoul" is not allowed/,
    },
    {
      name: "an unsupported Kubernetes version",
      raw: { kubernetesVersion: "1.20" },
      message: /^andyredis:kubernetesVersion: "1.20" is not allowed; use an EKS minor version/,
    },
    {
      name: "a node port outside the NodePort range",
      raw: { albTargetPort: "8080" },
      message:
        /^andyredis:albTargetPort: "8080" is not allowed; use an integer from 30000 to 32767$/,
    },
    {
      name: "a stack tag in the user's tags",
      raw: { tags: JSON.stringify({ "andyredis/stack": "x" }) },
      message: /^andyredis:tags: must not set "andyredis\/stack"/,
    },
    {
      name: "tags that are not a map",
      raw: { tags: JSON.stringify(["a"]) },
      message: /^andyredis:tags: must be a map of string keys to string values$/,
    },
    {
      name: "2 Redis nodes with Sentinel",
      raw: { redisNodes: "2" },
      message: /^andyredis:redisNodes: 2 is not allowed with Sentinel; use 3 to 9/,
    },
    {
      name: "a quorum larger than the sentinels",
      raw: { sentinelQuorum: "4" },
      message:
        /^andyredis:sentinelQuorum: 4 is not allowed with 3 sentinels; use an integer from 2 \(a majority\) to 3$/,
    },
    {
      name: "a quorum that is not a majority",
      raw: { redisNodes: "5", sentinelQuorum: "2" },
      message:
        /^andyredis:sentinelQuorum: 2 is not allowed with 5 sentinels; use an integer from 3/,
    },
    {
      name: "down-after under 1 s",
      raw: { sentinelDownAfterMs: "500" },
      message:
        /^andyredis:sentinelDownAfterMs: 500 is not allowed; use an integer of at least 1000/,
    },
    {
      name: "min-replicas-to-write >= replicas",
      raw: { redisMinReplicasToWrite: "2" },
      message: /^andyredis:redisMinReplicasToWrite: 2 is not allowed with 2 replicas/,
    },
    {
      name: "an image reference with a digest",
      raw: { redisImages: JSON.stringify({ redis: "docker.io/bitnamilegacy/redis@sha256:abc" }) },
      message: /^andyredis:redisImages.redis: .*digests are not supported/,
    },
    {
      name: "an image of no chart",
      raw: { redisImages: JSON.stringify({ valkey: "a/b:1" }) },
      message:
        /^andyredis:redisImages.valkey: is not an image of the chart; use one of: redis, sentinel, metrics, osShell, kubectl$/,
    },
    {
      name: "a registry with a scheme",
      raw: { redisImageRegistry: "https://mirror.example.com" },
      message: /^andyredis:redisImageRegistry: "https:\/\/mirror.example.com" is not allowed/,
    },
    {
      name: "an unknown cleanup mode",
      raw: { volumeCleanupMode: "keep" },
      message:
        /^andyredis:volumeCleanupMode: "keep" is not allowed; use one of: delete, snapshot, retain$/,
    },
    {
      name: "a bad persistence size",
      raw: { redisPersistenceSize: "8GB" },
      message: /^andyredis:redisPersistenceSize: "8GB" is not allowed; use a size such as "8Gi"$/,
    },
    {
      name: "a bad client label",
      raw: { redisClientLabel: "no-value" },
      message: /^andyredis:redisClientLabel: "no-value" is not allowed; use key=value/,
    },
    {
      name: "a bad resource quantity",
      raw: { redisResources: JSON.stringify({ limits: { memory: "lots" } }) },
      message: /^andyredis:redisResources.limits.memory: "lots" is not allowed/,
    },
    {
      name: "clusterOnly without a kubeconfig",
      raw: { mode: "clusterOnly" },
      message: /^andyredis:kubeconfig: is required in clusterOnly mode/,
    },
    {
      name: "a kubeconfig in aws mode",
      raw: {},
      context: { secretsSet: ["kubeconfig"] },
      message: /^andyredis:kubeconfig: is only used in clusterOnly mode/,
    },
    {
      name: "a kube context in aws mode",
      raw: { kubeContext: "kind" },
      message: /^andyredis:kubeContext: is only used in clusterOnly mode/,
    },
    {
      name: "snapshot mode without a destroy hook",
      raw: { mode: "clusterOnly", volumeCleanupMode: "snapshot" },
      context: { secretsSet: ["kubeconfig"] },
      message: /^andyredis:volumeCleanupMode: "snapshot" is not allowed in clusterOnly mode/,
    },
    {
      name: "a release name starting with a digit",
      raw: { redisReleaseName: "1redis" },
      message: /^andyredis:redisReleaseName: "1redis" is not allowed; use 1-47 lower-case letters/,
    },
    {
      name: "a misspelt key",
      raw: {},
      context: { keysSet: ["natMdoe"] },
      message: /^andyredis:natMdoe: is not a key of this project/,
    },
    {
      name: "a non-integer number",
      raw: { nodeMaxSize: "6.5" },
      message: /^andyredis:nodeMaxSize: "6.5" is not allowed; use an integer from 1 to 100$/,
    },
    {
      name: "a boolean that is not one",
      raw: { redisMasterService: "yes" },
      message: /^andyredis:redisMasterService: "yes" is not allowed; use true or false$/,
    },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, () => {
      const problems = problemsOf(c.raw, c.context);
      assert.ok(
        problems.some((p) => c.message.test(p)),
        `expected ${c.message}, got:\n${problems.join("\n")}`,
      );
    });
  }

  it("reports every problem at once, one line each", () => {
    const problems = problemsOf({ natMode: "x", zoneCount: "9", domainName: "bad domain" });
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.throws(
      () => parseConfig({ natMode: "x", zoneCount: "9" }, CONTEXT),
      (e: Error) =>
        e instanceof ConfigError &&
        /2 problems/.test(e.message) &&
        e.message.split("\n").length === 3,
    );
  });

  it("accepts clusterOnly with a kubeconfig secret and takes the cluster's default StorageClass", () => {
    const config = parseConfig({ mode: "clusterOnly" }, { ...CONTEXT, secretsSet: ["kubeconfig"] });
    assert.equal(config.mode, "clusterOnly");
    assert.deepEqual(config.existingCluster, { kubeconfigSet: true, context: undefined });
    assert.equal(config.redis.storageClassName, "");
  });
});

describe("config: parseImageRef", () => {
  const cases: [string, ReturnType<typeof parseImageRef>][] = [
    [
      "bitnamilegacy/redis:8.2.1",
      { registry: "docker.io", repository: "bitnamilegacy/redis", tag: "8.2.1" },
    ],
    ["localhost:5000/redis:7", { registry: "localhost:5000", repository: "redis", tag: "7" }],
    [
      "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mirror/bitnamilegacy/redis:8.2.1-debian-12-r0",
      {
        registry: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com",
        repository: "mirror/bitnamilegacy/redis",
        tag: "8.2.1-debian-12-r0",
      },
    ],
  ];
  for (const [ref, expected] of cases) {
    it(`splits ${ref}`, () => assert.deepEqual(parseImageRef(ref), expected));
  }
  it("rejects a reference without a tag", () => {
    assert.match(String(parseImageRef("docker.io/bitnamilegacy/redis")), /has no tag/);
  });
  it("rejects upper-case repositories", () => {
    assert.match(
      String(parseImageRef("docker.io/Bitnami/redis:1")),
      /is not a valid image reference/,
    );
  });
});

describe("config: loadConfig fails before any resource is registered", () => {
  it("throws on the stack's config and registers nothing", async () => {
    resetRegistry();
    pulumi.runtime.setAllConfig({ "andyredis:natMode": "none", "andyredis:zoneCount": "5" });
    try {
      assert.throws(
        () => loadConfig(),
        /andyredis:natMode: "none" is not allowed; use one of: single, perZone/,
      );
      await settle();
      assert.equal(registered.length, 0);
    } finally {
      pulumi.runtime.setAllConfig({});
    }
  });

  it("names a misspelt key set on the stack", () => {
    pulumi.runtime.setAllConfig({ "andyredis:vpcCIDR": "10.0.0.0/16" });
    try {
      assert.throws(() => loadConfig(), /andyredis:vpcCIDR: is not a key of this project/);
    } finally {
      pulumi.runtime.setAllConfig({});
    }
  });
});
