import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_SECURITY_GROUP_ID, NODE_ASG_NAME, ZONES } from "../helpers/mocks";
import {
  BUILD_TIMEOUT_MS,
  buildStack,
  BuiltStack,
  Registrations,
  registeredWhileHeld,
  resolveOutputs,
  runIndex,
  stackFileConfig,
  TEST_API_CIDRS,
} from "../helpers/program";
import { STACK_TAG_KEY } from "../../lib/tags";

/** The stack tag: the stack's name and its random id (the mocks give each build its own). */
const STACK_TAG = /^acme\/andyredis\/dev\/[0-9a-z]{16}$/;

const FOUNDATION_OUTPUTS = [
  "accountId",
  "callerArn",
  "callerUser",
  "kubeconfig",
  "efsId",
  "efsMountTargetIds",
  "natIps",
  "privateSubnetCidrs",
  "privateSubnetIds",
  "publicSubnetCidrs",
  "publicSubnetIds",
  "nodeSecurityGroupId",
  "targetGroupArn",
  "vpcCidr",
  "vpcId",
  "clusterName",
  "region",
  "albDnsName",
];

function subnetsOf(resources: Registrations, type: "public" | "private") {
  return resources
    .ofType("aws:ec2/subnet:Subnet")
    .filter((s) => s.name.startsWith(`network-${type}-`));
}

describe("program: index.ts with Pulumi.dev.yaml", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let exports: Record<string, unknown>;
  let values: Record<string, unknown>;
  let resources: Registrations;

  before(async () => {
    // The README's setup adds the API allow-list to the shipped stack file.
    const run = await runIndex({
      ...stackFileConfig("dev"),
      "andyredis:apiPublicAccessCidrs": JSON.stringify(TEST_API_CIDRS),
    });
    if (!run.exports) throw run.error;
    exports = run.exports;
    resources = run.resources;
    values = await resolveOutputs(exports);
  });

  it("registers the foundation: VPC, 6 subnets over 3 zones, 1 NAT, EKS, ALB, EFS with 3 mount targets", () => {
    const counts = resources.countsByType();
    assert.equal(counts["aws:ec2/vpc:Vpc"], 1);
    assert.equal(counts["aws:ec2/subnet:Subnet"], 6);
    assert.equal(counts["aws:ec2/natGateway:NatGateway"], 1);
    assert.equal(counts["aws:ec2/eip:Eip"], 1);
    assert.equal(counts["aws:ec2/internetGateway:InternetGateway"], 1);
    assert.equal(counts["eks:index:Cluster"], 1);
    assert.equal(counts["eks:index:ManagedNodeGroup"], 1);
    assert.equal(counts["aws:lb/loadBalancer:LoadBalancer"], 1);
    assert.equal(counts["aws:lb/targetGroup:TargetGroup"], 1);
    assert.equal(counts["aws:lb/listener:Listener"], 1);
    assert.equal(counts["aws:autoscaling/attachment:Attachment"], 1);
    assert.equal(counts["aws:efs/fileSystem:FileSystem"], 1);
    assert.equal(counts["aws:efs/mountTarget:MountTarget"], 3);
    assert.equal(counts["aws:eks/addon:Addon"], 2);
    assert.equal(counts["kubernetes:storage.k8s.io/v1:StorageClass"], 1);
    assert.equal(counts["aws:acm/certificate:Certificate"], undefined);
  });

  it("uses the origin's CIDRs, one public and one private subnet per zone", () => {
    const cidrs = (type: "public" | "private") =>
      subnetsOf(resources, type).map((s) => [s.inputs.cidrBlock, s.inputs.availabilityZone]);
    assert.deepEqual(cidrs("public"), [
      ["10.107.85.0/24", ZONES[0]],
      ["10.107.86.0/24", ZONES[1]],
      ["10.107.87.0/24", ZONES[2]],
    ]);
    assert.deepEqual(cidrs("private"), [
      ["10.107.88.0/24", ZONES[0]],
      ["10.107.89.0/24", ZONES[1]],
      ["10.107.80.0/24", ZONES[2]],
    ]);
    assert.equal(
      resources.named("aws:ec2/vpc:Vpc", "network-vpc").inputs.cidrBlock,
      "10.107.0.0/16",
    );
  });

  it("exports every output the Terraform example gave, plus clusterName, region, albDnsName", () => {
    for (const key of FOUNDATION_OUTPUTS) {
      assert.ok(values[key] !== undefined && values[key] !== "", `output ${key} is missing`);
    }
    assert.equal(values.region, "ap-northeast-2");
    assert.equal(values.accountId, "123456789012");
    assert.equal(values.nodeSecurityGroupId, CLUSTER_SECURITY_GROUP_ID);
    assert.deepEqual(values.publicSubnetCidrs, [
      "10.107.85.0/24",
      "10.107.86.0/24",
      "10.107.87.0/24",
    ]);
    assert.equal((values.efsMountTargetIds as string[]).length, 3);
    assert.equal((values.natIps as string[]).length, 1);
    assert.equal(values.recordSet, undefined);
  });

  it("marks the kubeconfig secret", async () => {
    assert.equal(await pulumi.isSecret(exports.kubeconfig as pulumi.Output<string>), true);
  });

  it("tags every AWS resource with the stack tag through the stack's provider", () => {
    const provider = resources.named("pulumi:providers:aws", "aws");
    // Provider inputs reach the engine JSON-encoded.
    const defaultTags = provider.inputs.defaultTags;
    const tags = (
      (typeof defaultTags === "string" ? JSON.parse(defaultTags) : defaultTags) as {
        tags: Record<string, string>;
      }
    ).tags;
    assert.match(tags[STACK_TAG_KEY], STACK_TAG);
    assert.equal(tags[STACK_TAG_KEY], values.stackTag, "the provider's tag is the stackTag output");
    assert.equal(tags.team, "platform");
    assert.equal(provider.inputs.region, "ap-northeast-2");
    const awsResources = resources.all.filter((r) => r.type.startsWith("aws:"));
    assert.ok(awsResources.length > 20);
    for (const r of awsResources) {
      assert.match(
        r.provider ?? "",
        /::pulumi:providers:aws::aws::/,
        `${r.type} ${r.name} is not on the stack's provider`,
      );
    }
  });
});

describe("program: 2 zones, per-zone NAT, a domain", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let stack: BuiltStack;
  let resources: Registrations;

  before(async () => {
    stack = await buildStack({
      zoneCount: "2",
      natMode: "perZone",
      domainName: "example.com",
      publicSubnetCidrs: JSON.stringify(["10.107.85.0/24", "10.107.86.0/24"]),
      privateSubnetCidrs: JSON.stringify(["10.107.88.0/24", "10.107.89.0/24"]),
    });
    resources = stack.resources;
  });

  it("creates 4 subnets over 2 zones and a NAT gateway per zone, each private subnet routed to its own", () => {
    assert.equal(subnetsOf(resources, "public").length, 2);
    assert.equal(subnetsOf(resources, "private").length, 2);
    assert.equal(resources.ofType("aws:ec2/natGateway:NatGateway").length, 2);
    assert.equal(resources.ofType("aws:ec2/eip:Eip").length, 2);
    assert.deepEqual(
      subnetsOf(resources, "private").map((s) => s.inputs.availabilityZone),
      ZONES.slice(0, 2),
    );
    const natIds = resources.ofType("aws:ec2/natGateway:NatGateway").map((n) => n.id);
    const privateRoutes = resources
      .ofType("aws:ec2/routeTable:RouteTable")
      .filter((t) => t.name.startsWith("network-private-"))
      .map((t) => (t.inputs.routes as { natGatewayId: string }[])[0].natGatewayId);
    assert.deepEqual(privateRoutes, natIds);
    assert.equal((stack.values.natIps as string[]).length, 2);
    assert.equal((stack.values.efsMountTargetIds as string[]).length, 2);
  });

  it("adds the certificate, HTTPS with an HTTP redirect, and the wildcard record", () => {
    assert.equal(resources.ofType("aws:acm/certificate:Certificate").length, 1);
    assert.equal(
      resources.named("aws:acm/certificate:Certificate", "ingress-cert").inputs.domainName,
      "*.example.com",
    );
    assert.equal(resources.ofType("aws:acm/certificateValidation:CertificateValidation").length, 1);
    const listeners = resources.ofType("aws:lb/listener:Listener");
    assert.equal(listeners.length, 2);
    const http = resources.named("aws:lb/listener:Listener", "ingress-http").inputs;
    assert.equal((http.defaultActions as { type: string }[])[0].type, "redirect");
    const https = resources.named("aws:lb/listener:Listener", "ingress-https").inputs;
    assert.equal(https.protocol, "HTTPS");
    assert.equal(https.port, 443);
    assert.match(String(https.sslPolicy), /TLS13/);
    assert.equal(
      resources.named("aws:route53/record:Record", "ingress-wildcard").inputs.name,
      "*.example.com",
    );
    assert.equal(stack.values.recordSet, "*.example.com");
  });

  it("opens the ALB to the world on its listener ports only", () => {
    const ports = resources
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0")
      .map((r) => r.inputs.fromPort)
      .sort();
    assert.deepEqual(ports, [443, 80]);
  });
});

describe("program: default config, resource by resource", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let stack: BuiltStack;
  let resources: Registrations;

  before(async () => {
    stack = await buildStack({});
    resources = stack.resources;
  });

  it("enables DNS support and hostnames on the VPC", () => {
    const vpc = resources.named("aws:ec2/vpc:Vpc", "network-vpc").inputs;
    assert.equal(vpc.enableDnsSupport, true);
    assert.equal(vpc.enableDnsHostnames, true);
  });

  it("tags subnets for EKS and load balancer discovery", () => {
    for (const s of subnetsOf(resources, "public")) {
      const tags = s.inputs.tags as Record<string, string>;
      assert.equal(tags["kubernetes.io/role/elb"], "1");
      assert.equal(tags["kubernetes.io/cluster/andyredis-dev"], "shared");
      assert.equal(tags["kubernetes.io/role/internal-elb"], undefined);
    }
    for (const s of subnetsOf(resources, "private")) {
      const tags = s.inputs.tags as Record<string, string>;
      assert.equal(tags["kubernetes.io/role/internal-elb"], "1");
      assert.equal(tags["kubernetes.io/cluster/andyredis-dev"], "shared");
      assert.equal(s.inputs.mapPublicIpOnLaunch, false);
    }
  });

  it("routes every private subnet through the single NAT gateway", () => {
    const natId = resources.ofType("aws:ec2/natGateway:NatGateway")[0].id;
    const natSubnet = resources.ofType("aws:ec2/natGateway:NatGateway")[0].inputs.subnetId;
    assert.equal(natSubnet, resources.named("aws:ec2/subnet:Subnet", "network-public-0").id);
    const privateTables = resources
      .ofType("aws:ec2/routeTable:RouteTable")
      .filter((t) => t.name.startsWith("network-private-"));
    assert.equal(privateTables.length, 3);
    for (const t of privateTables) {
      assert.deepEqual(t.inputs.routes, [{ cidrBlock: "0.0.0.0/0", natGatewayId: natId }]);
    }
    assert.equal(resources.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").length, 6);
  });

  it("creates EKS with API authentication, no default node group, nodes in private subnets only", () => {
    const cluster = resources.named("eks:index:Cluster", "cluster-eks").inputs;
    assert.equal(cluster.name, "andyredis-dev");
    assert.equal(cluster.version, "1.35");
    assert.equal(cluster.authenticationMode, "API");
    assert.equal(cluster.skipDefaultNodeGroup, true);
    assert.equal(cluster.nodeAssociatePublicIpAddress, false);
    // The eks SDK adds its own resolveConflicts defaults beside ours.
    assert.equal(
      (cluster.vpcCniOptions as { enableNetworkPolicy: boolean }).enableNetworkPolicy,
      true,
    );
    const privateIds = subnetsOf(resources, "private").map((s) => s.id);
    const publicIds = subnetsOf(resources, "public").map((s) => s.id);
    assert.deepEqual(cluster.privateSubnetIds, privateIds);
    assert.deepEqual(cluster.publicSubnetIds, publicIds);
    const nodes = resources.named("eks:index:ManagedNodeGroup", "cluster-nodes").inputs;
    assert.deepEqual(nodes.subnetIds, privateIds);
    assert.deepEqual(nodes.instanceTypes, ["m7i.large"]);
    assert.deepEqual(nodes.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 6 });
    // The root volume's size is in the stack's launch template (program-security.test.ts).
    assert.equal(nodes.diskSize, undefined);
  });

  it("installs the EBS CSI add-on with a Pod Identity role and the stack tag on every volume", () => {
    const addon = resources.named("aws:eks/addon:Addon", "cluster-ebs-csi").inputs;
    assert.equal(addon.addonName, "aws-ebs-csi-driver");
    assert.equal(addon.clusterName, "andyredis-dev");
    const associations = addon.podIdentityAssociations as {
      roleArn: string;
      serviceAccount: string;
    }[];
    assert.equal(associations[0].serviceAccount, "ebs-csi-controller-sa");
    assert.equal(
      associations[0].roleArn,
      resources.named("aws:iam/role:Role", "cluster-ebs-csi").state.arn,
    );
    const trust = JSON.parse(
      String(resources.named("aws:iam/role:Role", "cluster-ebs-csi").inputs.assumeRolePolicy),
    );
    assert.equal(trust.Statement[0].Principal.Service, "pods.eks.amazonaws.com");
    const values = JSON.parse(String(addon.configurationValues));
    assert.match(values.controller.extraVolumeTags[STACK_TAG_KEY], STACK_TAG);
    assert.equal(values.controller.extraVolumeTags[STACK_TAG_KEY], stack.values.stackTag);
    assert.equal(values.controller.k8sTagClusterId, "andyredis-dev");
    assert.equal(
      resources.named("aws:eks/addon:Addon", "cluster-pod-identity-agent").inputs.addonName,
      "eks-pod-identity-agent",
    );
  });

  it("creates a default encrypted gp3 StorageClass on the CSI provisioner, bound on first consumer", () => {
    const sc = resources.named("kubernetes:storage.k8s.io/v1:StorageClass", "cluster-gp3");
    const inputs = sc.inputs as {
      metadata: { name: string; annotations: Record<string, string> };
      provisioner: string;
      parameters: Record<string, string>;
      volumeBindingMode: string;
    };
    assert.equal(inputs.metadata.name, "gp3");
    assert.equal(
      inputs.metadata.annotations["storageclass.kubernetes.io/is-default-class"],
      "true",
    );
    assert.equal(inputs.provisioner, "ebs.csi.aws.com");
    assert.equal(inputs.parameters.type, "gp3");
    assert.equal(inputs.parameters.encrypted, "true");
    assert.equal(inputs.volumeBindingMode, "WaitForFirstConsumer");
    assert.match(sc.provider ?? "", /pulumi:providers:kubernetes::cluster-k8s::/);
  });

  it("encrypts EFS and mounts it in every private subnet behind an NFS-from-nodes-only group", () => {
    assert.equal(
      resources.named("aws:efs/fileSystem:FileSystem", "files-efs").inputs.encrypted,
      true,
    );
    const efsSg = resources.named("aws:ec2/securityGroup:SecurityGroup", "files-efs").id;
    const mountTargets = resources.ofType("aws:efs/mountTarget:MountTarget");
    assert.deepEqual(
      mountTargets.map((m) => m.inputs.subnetId),
      subnetsOf(resources, "private").map((s) => s.id),
    );
    for (const m of mountTargets) assert.deepEqual(m.inputs.securityGroups, [efsSg]);
    const nfs = resources
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.inputs.securityGroupId === efsSg);
    assert.equal(nfs.length, 1);
    assert.equal(nfs[0].inputs.fromPort, 2049);
    assert.equal(nfs[0].inputs.referencedSecurityGroupId, CLUSTER_SECURITY_GROUP_ID);
    assert.equal(nfs[0].inputs.cidrIpv4, undefined);
  });

  it("puts the ALB in the public subnets and its targets on the nodes' autoscaling group", () => {
    const alb = resources.named("aws:lb/loadBalancer:LoadBalancer", "ingress-alb").inputs;
    assert.equal(alb.internal, false);
    assert.equal(alb.loadBalancerType, "application");
    assert.deepEqual(
      alb.subnets,
      subnetsOf(resources, "public").map((s) => s.id),
    );
    const tg = resources.named("aws:lb/targetGroup:TargetGroup", "ingress-nodes");
    assert.equal(tg.inputs.port, 30080);
    assert.equal(tg.inputs.targetType, "instance");
    const attachment = resources.named(
      "aws:autoscaling/attachment:Attachment",
      "ingress-nodes",
    ).inputs;
    assert.equal(attachment.autoscalingGroupName, NODE_ASG_NAME);
    assert.equal(attachment.lbTargetGroupArn, tg.state.arn);
    assert.equal(stack.values.targetGroupArn, tg.state.arn);
    const http = resources.named("aws:lb/listener:Listener", "ingress-http").inputs;
    assert.equal((http.defaultActions as { type: string }[])[0].type, "forward");
  });

  it("lets the nodes in from the ALB on the target port only, and nothing else from 0.0.0.0/0", () => {
    const albSg = resources.named("aws:ec2/securityGroup:SecurityGroup", "ingress-alb").id;
    const rules = resources.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    const toNodes = rules.filter((r) => r.inputs.securityGroupId === CLUSTER_SECURITY_GROUP_ID);
    assert.equal(toNodes.length, 1);
    assert.equal(toNodes[0].inputs.referencedSecurityGroupId, albSg);
    assert.equal(toNodes[0].inputs.fromPort, 30080);
    assert.equal(toNodes[0].inputs.toPort, 30080);
    const open = rules.filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0");
    assert.deepEqual(
      open.map((r) => [r.inputs.securityGroupId, r.inputs.fromPort]),
      [[albSg, 80]],
    );
    const egress = resources.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
    assert.ok(egress.every((r) => r.inputs.cidrIpv4 !== "0.0.0.0/0"));
  });
});

describe("program: what waits for the EKS cluster", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  it("creates the ALB, its target group, EFS and its mount targets while the cluster is still being created", async () => {
    const counts = (await registeredWhileHeld("eks:index:Cluster")).countsByType();
    assert.equal(counts["eks:index:Cluster"], 1, "the cluster creation has started");
    assert.equal(counts["aws:lb/loadBalancer:LoadBalancer"], 1);
    assert.equal(counts["aws:lb/targetGroup:TargetGroup"], 1);
    assert.equal(counts["aws:efs/fileSystem:FileSystem"], 1);
    assert.equal(counts["aws:efs/mountTarget:MountTarget"], 3);
    // What needs the cluster really waits for it.
    assert.equal(counts["eks:index:ManagedNodeGroup"], undefined);
    assert.equal(counts["aws:autoscaling/attachment:Attachment"], undefined);
    assert.equal(counts["kubernetes:storage.k8s.io/v1:StorageClass"], undefined);
  });
});
