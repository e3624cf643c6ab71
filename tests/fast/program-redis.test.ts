import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { POSTRENDER } from "../../components/redis";
import { passwordHash } from "../../lib/redis/acl";
import { MOCK_CA_CERTIFICATE, unwrapSecret } from "../helpers/mocks";
import { DEFAULT_ALT_NAMES, makeCertificates, TestCertificates } from "../helpers/certificates";
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

  it("warns once, naming the CVEs and the keys to move off them, while the frozen images run", () => {
    const frozen = stack.warnings.filter((w) => w.includes("CVE-2025-49844"));
    assert.equal(frozen.length, 1, stack.warnings.join("\n"));
    assert.match(frozen[0], /andyredis:redisImages/);
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

  it("stores the generated internal password in a secret Kubernetes Secret", () => {
    // The Secret class marks its whole stringData secret.
    const stringData = unwrapSecret(
      resources.named("kubernetes:core/v1:Secret", "redis-password").inputs.stringData,
    );
    assert.equal(stringData.secret, true);
    assert.deepEqual(Object.values(stringData.value as Record<string, string>), [
      "mock-generated-password-redis-password",
    ]);
    assert.deepEqual(
      resources
        .ofType("random:index/randomPassword:RandomPassword")
        .map((r) => r.name)
        .sort(),
      ["redis-app-password", "redis-operator-password", "redis-password"],
      "one generated password per user: internal, app, operator",
    );
  });

  it("stores the ACL files, hashes only, and the operator's password in a secret Secret", () => {
    const acl = resources.named("kubernetes:core/v1:Secret", "redis-acl").inputs;
    assert.equal((acl.metadata as { name: string }).name, "redis-acl");
    const stringData = unwrapSecret(acl.stringData);
    assert.equal(stringData.secret, true);
    const data = stringData.value as Record<string, string>;
    assert.deepEqual(Object.keys(data).sort(), [
      "operator-password",
      "sentinel-users.acl",
      "users.acl",
    ]);
    assert.equal(data["operator-password"], "mock-generated-password-redis-operator-password");
    for (const file of [data["users.acl"], data["sentinel-users.acl"]]) {
      assert.match(file, /^user default reset on #[0-9a-f]{64} /m);
      assert.match(file, /^user app reset on #[0-9a-f]{64} /m);
      assert.match(file, /^user operator reset on #[0-9a-f]{64} /m);
      assert.ok(!file.includes("mock-generated-password"), "hashes only");
    }
    assert.match(data["users.acl"], /^user app .* -@dangerous -@scripting /m);
    assert.doesNotMatch(data["sentinel-users.acl"], /^user app .*sentinel\|(set|failover|reset)/m);
  });

  it("mounts the ACL Secret, points Redis and Sentinel at it, and rolls the pods when it changes", () => {
    const values = resources.named(RELEASE, "redis-release").inputs.values as {
      replica: {
        extraFlags: string[];
        extraVolumes: { secret: { secretName: string } }[];
        podAnnotations: Record<string, string>;
      };
      sentinel: { configuration: string; extraVolumeMounts: { mountPath: string }[] };
    };
    assert.deepEqual(values.replica.extraFlags.slice(-2), [
      "--aclfile",
      "/opt/bitnami/redis/acl/users.acl",
    ]);
    assert.equal(values.replica.extraVolumes[0].secret.secretName, "redis-acl");
    assert.equal(
      values.sentinel.configuration,
      "aclfile /opt/bitnami/redis/acl/sentinel-users.acl",
    );
    assert.equal(values.sentinel.extraVolumeMounts[0].mountPath, "/opt/bitnami/redis/acl");
    assert.match(values.replica.podAnnotations["andyredis/acl-checksum"], /^[0-9a-f]{64}$/);
  });

  it("turns TLS on by default, with the chart's kept certificates, and exports their CA in plain text", async () => {
    const values = resources.named(RELEASE, "redis-release").inputs.values as {
      tls: Record<string, unknown>;
    };
    assert.deepEqual(values.tls, { enabled: true, autoGenerated: true, authClients: false });
    const read = resources.named("kubernetes:core/v1:Secret", "redis-tls");
    assert.equal(read.id, "redis/redis-crt", "the chart's TLS Secret, read after the release");
    assert.equal(stack.values.redisCaCertificate, MOCK_CA_CERTIFICATE);
    assert.equal(
      await pulumi.isSecret(stack.outputs.redisCaCertificate as pulumi.Output<string>),
      false,
    );
  });

  it("gives the label push a Role on the release's own pods, bound to the chart's ServiceAccount, and takes the chart's Role out", () => {
    const role = resources.named(
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "redis-master-label",
    ).inputs as { metadata: { name: string; namespace: string }; rules: unknown[] };
    assert.deepEqual(role.metadata, { name: "redis-master-label", namespace: "redis" });
    assert.deepEqual(role.rules, [
      {
        apiGroups: [""],
        resources: ["pods"],
        resourceNames: ["redis-node-0", "redis-node-1", "redis-node-2"],
        verbs: ["list", "patch"],
      },
    ]);
    const binding = resources.named(
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      "redis-master-label",
    ).inputs as { metadata: { namespace: string }; roleRef: unknown; subjects: unknown };
    assert.equal(binding.metadata.namespace, "redis");
    assert.deepEqual(binding.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "redis-master-label",
    });
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "redis", namespace: "redis" },
    ]);
    for (const r of [
      ...resources.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role"),
      ...resources.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"),
    ]) {
      // Inherited from the component (`{ parent: this }`): the cluster's provider.
      assert.match(r.provider ?? "", /pulumi:providers:kubernetes::cluster-k8s::/, r.name);
    }
    const release = resources.named(RELEASE, "redis-release").inputs;
    assert.equal(release.postrender, POSTRENDER);
    const values = release.values as {
      rbac: { create: boolean };
      serviceAccount: { create: boolean };
    };
    // Kept for the chart's createMaster check; the post-renderer drops what it renders.
    assert.equal(values.rbac.create, true);
    assert.equal(values.serviceAccount.create, true);
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
    assert.equal(v.redisUsername, "app");
    assert.equal(v.redisPassword, "mock-generated-password-redis-app-password");
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
  {
    redisMasterService: "false",
    volumeCleanupMode: "snapshot",
    cleanupTimeoutSeconds: "900",
    redisTls: "false",
    redisImages: JSON.stringify({
      redis: "mirror.example.com/redis:8.2.3",
      sentinel: "mirror.example.com/redis-sentinel:8.2.3",
    }),
  },
  {
    redisPassword: "from-config-0123",
    redisImagePullSecret: '{"auths":{"mirror.example.com":{"auth":"dTpw"}}}',
  },
] as const;

describe("program: a password from config, no master-only Service", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let stack: BuiltStack;

  before(async () => {
    stack = await buildStack(...NON_DEFAULT);
  });

  it("does not warn about frozen images once both Redis and Sentinel have moved off them", () => {
    assert.deepEqual(
      stack.warnings.filter((w) => w.includes("CVE-")),
      [],
    );
  });

  it("uses the password from config instead of generating one", async () => {
    assert.deepEqual(
      stack.resources
        .ofType("random:index/randomPassword:RandomPassword")
        .map((r) => r.name)
        .sort(),
      ["redis-operator-password", "redis-password"],
      "the app user's password comes from config; the internal and operator ones are generated",
    );
    assert.equal(stack.values.redisPassword, "from-config-0123");
    assert.equal(await pulumi.isSecret(stack.outputs.redisPassword as pulumi.Output<string>), true);
  });

  it("drops the master-only Service endpoint when config turns it off", () => {
    assert.equal(stack.values.redisMasterEndpoint, undefined);
  });

  it("creates the docker-registry Secret from redisImagePullSecret and names it for the chart", () => {
    const pull = stack.resources.named("kubernetes:core/v1:Secret", "redis-image-pull").inputs;
    assert.equal(pull.type, "kubernetes.io/dockerconfigjson");
    const data = unwrapSecret(pull.stringData);
    assert.equal(data.secret, true);
    assert.match(JSON.stringify(data.value), /mirror\.example\.com/);
    const values = stack.resources.named(RELEASE, "redis-release").inputs.values as {
      global: { imagePullSecrets: string[] };
    };
    assert.deepEqual(values.global.imagePullSecrets, ["redis-image-pull"]);
    assert.ok(!JSON.stringify(values).includes("dTpw"), "no credential in the release values");
  });

  it("without the master Service: no Role, no post-renderer, no chart RBAC, no token", () => {
    assert.equal(stack.resources.ofType("kubernetes:rbac.authorization.k8s.io/v1:Role").length, 0);
    assert.equal(
      stack.resources.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").length,
      0,
    );
    const release = stack.resources.named(RELEASE, "redis-release").inputs;
    assert.equal(release.postrender, undefined);
    const values = release.values as {
      rbac: { create: boolean };
      replica: { automountServiceAccountToken: boolean };
      serviceAccount: { automountServiceAccountToken: boolean };
    };
    assert.equal(values.rbac.create, false);
    assert.equal(values.replica.automountServiceAccountToken, false);
    assert.equal(values.serviceAccount.automountServiceAccountToken, false);
  });

  it("with redisTls false: plaintext values, no CA read, no CA output", () => {
    const values = stack.resources.named(RELEASE, "redis-release").inputs.values as {
      tls: Record<string, unknown>;
    };
    assert.deepEqual(values.tls, { enabled: false, autoGenerated: false, authClients: false });
    assert.equal(stack.values.redisCaCertificate, undefined);
    assert.equal(
      stack.resources.ofType("kubernetes:core/v1:Secret").filter((r) => r.name === "redis-tls")
        .length,
      0,
    );
  });
});

describe("program: a password rotation (redisPasswordPrevious)", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  const NEW = "the-new-password-0123456789";
  const OLD = "the-old-password-0123456789";
  const aclOf = (stack: BuiltStack) =>
    unwrapSecret(stack.resources.named("kubernetes:core/v1:Secret", "redis-acl").inputs.stringData)
      .value as Record<string, string>;
  const checksumOf = (stack: BuiltStack) =>
    JSON.stringify(stack.resources.named(RELEASE, "redis-release").inputs.values).match(
      /"andyredis\/acl-checksum":"([0-9a-f]+)"/,
    )?.[1];
  let rotating: BuiltStack;
  let settled: BuiltStack;

  before(async () => {
    rotating = await buildStack({}, { redisPassword: NEW, redisPasswordPrevious: OLD });
    settled = await buildStack({}, { redisPassword: NEW });
  });

  it("lets the app user hold the new password and the old one, on Redis and Sentinel", () => {
    for (const file of [aclOf(rotating)["users.acl"], aclOf(rotating)["sentinel-users.acl"]]) {
      assert.ok(
        file.includes(`user app reset on #${passwordHash(NEW)} #${passwordHash(OLD)} `),
        file,
      );
    }
    for (const file of [aclOf(settled)["users.acl"], aclOf(settled)["sentinel-users.acl"]]) {
      assert.ok(file.includes(`user app reset on #${passwordHash(NEW)} `), file);
      assert.ok(!file.includes(passwordHash(OLD)));
    }
  });

  it("hands out only the new password, and rolls the pods when the old one is added or removed", () => {
    assert.equal(rotating.values.redisPassword, NEW);
    const [a, b] = [checksumOf(rotating), checksumOf(settled)];
    assert.ok(a !== undefined && b !== undefined);
    assert.notEqual(a, b);
  });
});

describe("program: your own TLS certificates", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let stack: BuiltStack;
  let renewed: BuiltStack;
  let certs: TestCertificates;

  const checksumOf = (built: BuiltStack) =>
    JSON.stringify(built.resources.named(RELEASE, "redis-release").inputs.values).match(
      /"andyredis\/tls-checksum":"([0-9a-f]+)"/,
    )?.[1];

  before(async () => {
    certs = makeCertificates({ altNames: DEFAULT_ALT_NAMES });
    const next = makeCertificates({ altNames: DEFAULT_ALT_NAMES });
    const config = (c: TestCertificates) => ({
      redisTlsCertificate: c.certificate,
      redisTlsCaCertificate: c.caCertificate,
    });
    stack = await buildStack(config(certs), { redisTlsPrivateKey: certs.privateKey });
    renewed = await buildStack(config(next), { redisTlsPrivateKey: next.privateKey });
  });

  it("puts them in a TLS Secret of the stack, the key as a secret, and points the chart at it", () => {
    const secret = stack.resources.named("kubernetes:core/v1:Secret", "redis-own-tls").inputs as {
      metadata: { name: string };
      type: string;
      stringData: unknown;
    };
    assert.equal(secret.metadata.name, "redis-tls");
    assert.equal(secret.type, "kubernetes.io/tls");
    const data = unwrapSecret(secret.stringData);
    assert.equal(data.secret, true, "the Secret's data is a Pulumi secret");
    assert.deepEqual(data.value, {
      "tls.crt": certs.certificate,
      "tls.key": certs.privateKey,
      "ca.crt": certs.caCertificate,
    });
    const values = stack.resources.named(RELEASE, "redis-release").inputs.values as {
      tls: Record<string, unknown>;
    };
    assert.deepEqual(values.tls, {
      enabled: true,
      autoGenerated: false,
      existingSecret: "redis-tls",
      certFilename: "tls.crt",
      certKeyFilename: "tls.key",
      certCAFilename: "ca.crt",
      authClients: false,
    });
    assert.ok(!JSON.stringify(values).includes("PRIVATE KEY"), "no key in the release values");
  });

  it("exports the given CA in plain text and reads no chart Secret", async () => {
    assert.equal(stack.values.redisCaCertificate, certs.caCertificate);
    assert.equal(
      await pulumi.isSecret(stack.outputs.redisCaCertificate as pulumi.Output<string>),
      false,
    );
    assert.equal(
      stack.resources.ofType("kubernetes:core/v1:Secret").filter((r) => r.name === "redis-tls")
        .length,
      0,
    );
  });

  it("rolls the pods when the certificates are renewed", () => {
    const [a, b] = [checksumOf(stack), checksumOf(renewed)];
    assert.ok(a !== undefined && b !== undefined);
    assert.notEqual(a, b);
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

  it("the release waits for the label push's RoleBinding (the pods label the first master as they start)", async () => {
    const type = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
    const counts = await countsWhileHeld(type);
    assert.equal(counts[type], 1);
    assert.equal(counts[RELEASE], undefined);
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
