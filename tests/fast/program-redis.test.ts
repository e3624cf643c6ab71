import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { unwrapSecret } from "../helpers/mocks";
import {
  BUILD_TIMEOUT_MS,
  buildStack,
  BuiltStack,
  registeredWhileHeld,
  Registrations,
} from "../helpers/program";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const DYNAMIC = "pulumi-nodejs:dynamic:Resource";

/** Walks any JSON-like value and returns every `type: LoadBalancer` path found. */
function loadBalancerTypes(value: unknown, path = "values"): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => loadBalancerTypes(v, `${path}[${i}]`));
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      k === "type" && v === "LoadBalancer"
        ? [`${path}.${k}`]
        : loadBalancerTypes(v, `${path}.${k}`),
    );
  }
  return [];
}

describe("program: the Redis release", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let stack: BuiltStack;
  let resources: Registrations;

  before(async () => {
    stack = await buildStack({});
    resources = stack.resources;
  });

  it("installs chart redis 23.1.1 from its OCI location, with an explicit name, in its own namespace", () => {
    const release = resources.named(RELEASE, "redis-release").inputs;
    assert.equal(release.name, "redis");
    assert.equal(release.chart, "oci://registry-1.docker.io/bitnamicharts/redis");
    assert.equal(release.version, "23.1.1");
    assert.equal(release.namespace, "redis");
    const namespace = resources.named("kubernetes:core/v1:Namespace", "redis-namespace").inputs as {
      metadata: { name: string };
    };
    assert.equal(namespace.metadata.name, "redis");
  });

  it("runs on the cluster's Kubernetes provider", () => {
    for (const type of [RELEASE, "kubernetes:core/v1:Namespace", "kubernetes:core/v1:Secret"]) {
      for (const r of resources.ofType(type)) {
        assert.match(
          r.provider ?? "",
          /pulumi:providers:kubernetes::cluster-k8s::/,
          `${type} ${r.name}`,
        );
      }
    }
  });

  it("carries the tuned Sentinel values and keeps the password out of them", () => {
    const values = resources.named(RELEASE, "redis-release").inputs.values as Record<
      string,
      Record<string, unknown>
    >;
    assert.equal(values.architecture, "replication");
    assert.equal(values.sentinel.enabled, true);
    assert.equal(values.sentinel.masterSet, "mymaster");
    assert.equal(values.sentinel.quorum, 2);
    assert.equal(values.sentinel.downAfterMilliseconds, 2000);
    assert.equal(values.sentinel.failoverTimeout, 10000);
    assert.equal((values.replica as { replicaCount: number }).replicaCount, 3);
    assert.ok(
      !JSON.stringify(values).includes("mock-generated-password"),
      "the password is in the values",
    );
    assert.deepEqual(loadBalancerTypes(values), []);
  });

  it("stores the generated password in a secret Kubernetes Secret", () => {
    // The Secret class marks its whole stringData secret.
    const stringData = unwrapSecret(
      resources.named("kubernetes:core/v1:Secret", "redis-password").inputs.stringData,
    );
    assert.equal(stringData.secret, true);
    assert.deepEqual(Object.values(stringData.value as Record<string, string>), [
      "mock-generated-password-0123456789",
    ]);
    assert.equal(resources.ofType("random:index/randomPassword:RandomPassword").length, 1);
  });

  it("exports the endpoint outputs and keeps the password and kubeconfig secret", async () => {
    const v = stack.values;
    assert.equal(v.sentinelEndpoint, "redis.redis.svc.cluster.local:26379");
    assert.deepEqual(
      v.sentinelHosts,
      [0, 1, 2].map((i) => `redis-node-${i}.redis-headless.redis.svc.cluster.local`),
    );
    assert.equal(v.redisMasterSet, "mymaster");
    assert.equal(v.redisNamespace, "redis");
    assert.equal(v.redisReleaseName, "redis");
    assert.match(String(v.redisMasterEndpoint), /^redis-master\.redis\.svc\.cluster\.local:6379$/);
    assert.equal(v.redisPassword, "mock-generated-password-0123456789");
    assert.equal(v.deploymentMode, "aws");
    assert.match(String(v.stackTag), /^acme\/andyredis\/dev\/[0-9a-z]{16}$/);
    assert.deepEqual(v.redisClientLabel, { key: "andyredis/redis-client", value: "true" });
    assert.equal(await pulumi.isSecret(stack.outputs.redisPassword as pulumi.Output<string>), true);
    assert.equal(await pulumi.isSecret(stack.outputs.kubeconfig as pulumi.Output<string>), true);
    assert.equal(
      await pulumi.isSecret(stack.outputs.sentinelEndpoint as pulumi.Output<string>),
      false,
    );
  });
});

/** One build with the non-default choices the tests below look at, each independent of the others. */
const NON_DEFAULT = [
  { redisMasterService: "false", volumeCleanupMode: "snapshot", cleanupTimeoutSeconds: "900" },
  { redisPassword: "from-config-0123" },
] as const;

describe("program: a password from config, no master-only Service", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let stack: BuiltStack;

  before(async () => {
    stack = await buildStack(...NON_DEFAULT);
  });

  it("uses the password from config instead of generating one", async () => {
    assert.equal(stack.resources.ofType("random:index/randomPassword:RandomPassword").length, 0);
    assert.equal(stack.values.redisPassword, "from-config-0123");
    assert.equal(await pulumi.isSecret(stack.outputs.redisPassword as pulumi.Output<string>), true);
  });

  it("drops the master-only Service endpoint when config turns it off", () => {
    assert.equal(stack.values.redisMasterEndpoint, undefined);
  });
});

describe("program: the destroy hook", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let resources: Registrations;

  before(async () => {
    ({ resources } = await buildStack(...NON_DEFAULT));
  });

  it("registers the hook with what its delete needs at destroy time, the kubeconfig as a secret", () => {
    const hooks = resources.ofType(DYNAMIC);
    assert.equal(hooks.length, 1);
    const inputs = hooks[0].inputs;
    assert.equal(inputs.region, "ap-northeast-2");
    assert.match(String(inputs.stackTag), /^acme\/andyredis\/dev\/[0-9a-z]{16}$/);
    const stackId = resources.ofType("random:index/randomString:RandomString");
    assert.equal(stackId.length, 1);
    assert.equal(inputs.stackTag, `acme/andyredis/dev/${String(stackId[0].state.result)}`);
    assert.equal(inputs.vpcId, resources.named("aws:ec2/vpc:Vpc", "network-vpc").id);
    assert.equal(inputs.clusterName, "andyredis-dev");
    assert.equal(inputs.namespace, "redis");
    assert.equal(inputs.releaseName, "redis");
    assert.equal(inputs.mode, "snapshot");
    assert.equal(inputs.timeoutSeconds, 900);
    assert.equal(unwrapSecret(inputs.kubeconfig).secret, true);
    assert.equal(typeof inputs.__provider, "string", "the serialized provider is in the inputs");
  });

  it("keeps the PVCs when the release goes in snapshot mode, so the hook can snapshot them", () => {
    // In sentinel mode the chart's one StatefulSet reads sentinel.*, not replica.*.
    const values = resources.named(RELEASE, "redis-release").inputs.values as {
      sentinel: Record<string, unknown>;
    };
    assert.deepEqual(values.sentinel.persistentVolumeClaimRetentionPolicy, {
      enabled: true,
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
  });
});

describe("program: what waits for what", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  const countsWhileHeld = async (type: string) => (await registeredWhileHeld(type)).countsByType();

  it("the release waits for the StorageClass", async () => {
    const counts = await countsWhileHeld("kubernetes:storage.k8s.io/v1:StorageClass");
    assert.equal(counts["kubernetes:storage.k8s.io/v1:StorageClass"], 1);
    assert.equal(counts[RELEASE], undefined);
    assert.equal(counts[DYNAMIC], 1, "the hook does not need the StorageClass");
  });

  it("the release waits for the destroy hook", async () => {
    const counts = await countsWhileHeld(DYNAMIC);
    assert.equal(counts[DYNAMIC], 1);
    assert.equal(counts[RELEASE], undefined);
  });

  it("the hook and the release wait for the EBS CSI add-on", async () => {
    const counts = await countsWhileHeld("aws:eks/addon:Addon");
    assert.ok((counts["aws:eks/addon:Addon"] ?? 0) >= 1);
    assert.equal(counts[DYNAMIC], undefined);
    assert.equal(counts[RELEASE], undefined);
  });

  it("the hook waits for the node group and the cluster", async () => {
    for (const type of ["eks:index:ManagedNodeGroup", "eks:index:Cluster"]) {
      const counts = await countsWhileHeld(type);
      assert.equal(counts[type], 1);
      assert.equal(counts[DYNAMIC], undefined, `the hook did not wait for ${type}`);
    }
  });
});

describe("program: cluster-only mode", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let stack: BuiltStack;
  let resources: Registrations;

  before(async () => {
    stack = await buildStack(
      { mode: "clusterOnly", kubeContext: "kind-andyredis", redisPersistenceSize: "1Gi" },
      { kubeconfig: "apiVersion: v1\nkind: Config\n" },
    );
    resources = stack.resources;
  });

  it("registers no AWS resource and no destroy hook", () => {
    assert.deepEqual(
      resources.all.filter(
        (r) =>
          r.type.startsWith("aws:") ||
          r.type.startsWith("eks:") ||
          r.type === "pulumi:providers:aws",
      ),
      [],
    );
    assert.equal(resources.ofType(DYNAMIC).length, 0);
  });

  it("installs the same release on a provider for the given kubeconfig and context", () => {
    const provider = resources.named("pulumi:providers:kubernetes", "existing-cluster").inputs;
    assert.equal(provider.context, "kind-andyredis");
    const release = resources.named(RELEASE, "redis-release");
    assert.match(release.provider ?? "", /pulumi:providers:kubernetes::existing-cluster::/);
    const values = release.inputs.values as { replica: { persistence: Record<string, unknown> } };
    assert.equal(values.replica.persistence.size, "1Gi");
  });

  it("exports the Redis outputs and the kubeconfig as a secret, and none of the AWS ones", async () => {
    assert.equal(stack.values.deploymentMode, "clusterOnly");
    assert.equal(stack.values.sentinelEndpoint, "redis.redis.svc.cluster.local:26379");
    assert.equal(stack.values.vpcId, undefined);
    assert.equal(await pulumi.isSecret(stack.outputs.kubeconfig as pulumi.Output<string>), true);
  });
});
