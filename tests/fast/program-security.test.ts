/**
 * The AWS defaults a security review checks against the EKS Best Practices Guide and the CIS EKS
 * Benchmark, as the program hands them to EKS under the shared mocks: who reaches the API,
 * control-plane logs, envelope encryption.
 */
import * as assert from "node:assert/strict";
import { BUILD_TIMEOUT_MS, buildStack, Registrations, TEST_API_CIDRS } from "../helpers/program";

const clusterInputs = (resources: Registrations): Record<string, unknown> =>
  resources.named("eks:index:Cluster", "cluster-eks").inputs;

describe("program security: the Kubernetes API endpoint", function () {
  this.timeout(BUILD_TIMEOUT_MS);

  it("is public only for the listed CIDRs, with the private endpoint on", async () => {
    const { resources } = await buildStack({});
    const cluster = clusterInputs(resources);
    assert.equal(cluster.endpointPrivateAccess, true);
    assert.equal(cluster.endpointPublicAccess, true);
    assert.deepEqual(cluster.publicAccessCidrs, TEST_API_CIDRS);
  });

  it("is private only with apiEndpointPublic false: no public CIDRs at all", async () => {
    const { resources } = await buildStack({ apiEndpointPublic: "false" });
    const cluster = clusterInputs(resources);
    assert.equal(cluster.endpointPrivateAccess, true);
    assert.equal(cluster.endpointPublicAccess, false);
    assert.equal(cluster.publicAccessCidrs, undefined);
  });

  it("is open to 0.0.0.0/0 only with the opt-in by name", async () => {
    const { resources } = await buildStack({
      apiPublicAccessCidrs: JSON.stringify(["0.0.0.0/0"]),
      apiPublicAccessAllowAnywhere: "true",
    });
    assert.deepEqual(clusterInputs(resources).publicAccessCidrs, ["0.0.0.0/0"]);
  });
});

describe("program security: control-plane logs and envelope encryption", function () {
  this.timeout(BUILD_TIMEOUT_MS);

  it("sends api, audit and authenticator logs to a log group of its own, kept 90 days, created first", async () => {
    const { resources } = await buildStack({});
    assert.deepEqual(clusterInputs(resources).enabledClusterLogTypes, [
      "api",
      "audit",
      "authenticator",
    ]);
    const group = resources.named("aws:cloudwatch/logGroup:LogGroup", "cluster-logs");
    assert.equal(group.inputs.name, "/aws/eks/andyredis-dev/cluster");
    assert.equal(group.inputs.retentionInDays, 90);
    // Registered before the cluster, which depends on it (EKS would otherwise create the group
    // itself, with no retention).
    const order = resources.all.map((r) => r.type);
    assert.ok(
      order.indexOf("aws:cloudwatch/logGroup:LogGroup") < order.indexOf("eks:index:Cluster"),
    );
  });

  it("takes the log types and the retention from config", async () => {
    const { resources } = await buildStack({
      clusterLogTypes: JSON.stringify(["api", "audit", "authenticator", "scheduler"]),
      clusterLogRetentionDays: "365",
    });
    assert.deepEqual(clusterInputs(resources).enabledClusterLogTypes, [
      "api",
      "audit",
      "authenticator",
      "scheduler",
    ]);
    assert.equal(
      resources.named("aws:cloudwatch/logGroup:LogGroup", "cluster-logs").inputs.retentionInDays,
      365,
    );
  });

  it("uses EKS's default encryption unless a customer-managed key is asked for", async () => {
    const { resources } = await buildStack({});
    assert.equal(clusterInputs(resources).encryptionConfigKeyArn, undefined);
    assert.equal(resources.ofType("aws:kms/key:Key").length, 0);
  });

  it("creates a rotating KMS key and envelope-encrypts the secrets with it", async () => {
    const { resources } = await buildStack({ secretsEncryptionKey: "create" });
    const keys = resources.ofType("aws:kms/key:Key");
    assert.equal(keys.length, 1);
    assert.equal(keys[0].inputs.enableKeyRotation, true);
    assert.equal(clusterInputs(resources).encryptionConfigKeyArn, keys[0].state.arn);
  });

  it("uses a key given by ARN, creating none", async () => {
    const arn = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const { resources } = await buildStack({ secretsEncryptionKey: arn });
    assert.equal(clusterInputs(resources).encryptionConfigKeyArn, arn);
    assert.equal(resources.ofType("aws:kms/key:Key").length, 0);
  });
});
