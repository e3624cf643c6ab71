/**
 * The AWS defaults a security review checks against the EKS Best Practices Guide and the CIS EKS
 * Benchmark, as the program hands them to EKS under the shared mocks: who reaches the API,
 * control-plane logs, envelope encryption, what a pod can reach of the node and its role.
 */
import * as assert from "node:assert/strict";
import { CLUSTER_SECURITY_GROUP_ID } from "../helpers/mocks";
import {
  BUILD_TIMEOUT_MS,
  buildStack,
  BuiltStack,
  Registrations,
  registeredWhileHeld,
  TEST_API_CIDRS,
} from "../helpers/program";

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

describe("program security: the nodes and their role", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let stack: BuiltStack;
  let resources: Registrations;

  before(async () => {
    stack = await buildStack({ nodeDiskSizeGiB: "80" });
    resources = stack.resources;
  });

  it("runs the node group on the stack's launch template: IMDSv2, hop limit 1, encrypted gp3 root", () => {
    const templates = resources.ofType("aws:ec2/launchTemplate:LaunchTemplate");
    assert.equal(templates.length, 1);
    const lt = templates[0];
    assert.deepEqual(lt.inputs.metadataOptions, {
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    });
    assert.deepEqual(lt.inputs.blockDeviceMappings, [
      {
        deviceName: "/dev/xvda",
        ebs: { volumeSize: 80, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      },
    ]);
    // No AMI in the template: EKS keeps choosing (and bootstrapping) the AL2023 image.
    assert.equal(lt.inputs.imageId, undefined);
    assert.equal(lt.inputs.userData, undefined);
    const nodes = resources.named("eks:index:ManagedNodeGroup", "cluster-nodes").inputs;
    assert.deepEqual(nodes.launchTemplate, { id: lt.id, version: "1" });
    // What conflicts with a launch template is left out (eks would make a template of its own,
    // with hop limit 2).
    assert.equal(nodes.enableIMDSv2, undefined);
    assert.equal(nodes.diskSize, undefined);
    assert.equal(nodes.kubeletExtraArgs, undefined);
  });

  it("gives the node role the worker and registry policies only, not the CNI's", () => {
    const nodeRole = resources.named("aws:iam/role:Role", "cluster-node");
    const attached = resources
      .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .filter((a) => a.inputs.role === nodeRole.state.name);
    assert.deepEqual(attached.map((a) => [a.name, a.inputs.policyArn]).sort(), [
      ["cluster-node-0", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"],
      ["cluster-node-2", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"],
    ]);
    const trust = JSON.parse(String(nodeRole.inputs.assumeRolePolicy));
    assert.equal(trust.Statement[0].Principal.Service, "ec2.amazonaws.com");
  });

  it("gives aws-node the CNI policy through a Pod Identity association that exists before any node", () => {
    const associations = resources.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation");
    assert.equal(associations.length, 1);
    const cni = associations[0].inputs;
    assert.equal(cni.clusterName, "andyredis-dev");
    assert.equal(cni.namespace, "kube-system");
    assert.equal(cni.serviceAccount, "aws-node");
    const role = resources.named("aws:iam/role:Role", "cluster-vpc-cni");
    assert.equal(cni.roleArn, role.state.arn);
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
    assert.equal(trust.Statement[0].Principal.Service, "pods.eks.amazonaws.com");
    assert.deepEqual(trust.Statement[0].Action, ["sts:AssumeRole", "sts:TagSession"]);
    const policy = resources.named(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "cluster-vpc-cni",
    );
    assert.equal(policy.inputs.role, role.state.name);
    assert.equal(policy.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
  });

  it("creates no node before the CNI's association exists", async () => {
    const type = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
    const counts = (await registeredWhileHeld(type)).countsByType();
    assert.equal(counts[type], 1, "the association's creation has started");
    assert.equal(counts["eks:index:Cluster"], 1);
    assert.equal(counts["eks:index:ManagedNodeGroup"], undefined);
  });

  it("keeps the EBS CSI driver on its own Pod Identity role (not the node's)", () => {
    const addon = resources.named("aws:eks/addon:Addon", "cluster-ebs-csi").inputs;
    const [association] = addon.podIdentityAssociations as { roleArn: string }[];
    assert.equal(
      association.roleArn,
      resources.named("aws:iam/role:Role", "cluster-ebs-csi").state.arn,
    );
    assert.notEqual(
      association.roleArn,
      resources.named("aws:iam/role:Role", "cluster-node").state.arn,
    );
    assert.equal(stack.values.nodeSecurityGroupId, CLUSTER_SECURITY_GROUP_ID);
  });
});

describe("program security: the stack identity", function () {
  this.timeout(BUILD_TIMEOUT_MS);

  it("tags everything with the name and the random id kept in the state, one per stack", async () => {
    const first = await buildStack({});
    const second = await buildStack({ natMode: "perZone" });
    const ids = [first, second].map((s) =>
      s.resources.ofType("random:index/randomString:RandomString"),
    );
    for (const [i, built] of [first, second].entries()) {
      assert.equal(ids[i].length, 1);
      assert.equal(ids[i][0].inputs.length, 16);
      assert.equal(ids[i][0].inputs.special, false);
      assert.equal(built.values.stackTag, `acme/andyredis/dev/${String(ids[i][0].state.result)}`);
    }
    // Same <org>/<project>/<stack>, two stacks, two tags.
    assert.notEqual(first.values.stackTag, second.values.stackTag);
  });
});
