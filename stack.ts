/**
 * Composes the components for a validated config and returns the stack outputs. `index.ts` calls
 * it with the stack's own config; the program tests call it with others.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { FileSystem } from "./components/fileSystem";
import { LoadBalancer } from "./components/loadBalancer";
import { Network } from "./components/network";
import { StackSecrets } from "./config";
import { StackConfig } from "./lib/configTypes";

/** The outputs of the AWS foundation (absent in `clusterOnly` mode). */
export interface FoundationOutputs {
  accountId: pulumi.Output<string>;
  callerArn: pulumi.Output<string>;
  callerUser: pulumi.Output<string>;
  clusterName: pulumi.Output<string>;
  region: string;
  kubeconfig: pulumi.Output<string>;
  vpcId: pulumi.Output<string>;
  vpcCidr: pulumi.Output<string>;
  publicSubnetIds: pulumi.Output<string[]>;
  publicSubnetCidrs: pulumi.Output<string[]>;
  privateSubnetIds: pulumi.Output<string[]>;
  privateSubnetCidrs: pulumi.Output<string[]>;
  natIps: pulumi.Output<string[]>;
  nodeSecurityGroupId: pulumi.Output<string>;
  targetGroupArn: pulumi.Output<string>;
  albDnsName: pulumi.Output<string>;
  efsId: pulumi.Output<string>;
  efsMountTargetIds: pulumi.Output<string[]>;
  recordSet?: pulumi.Output<string>;
}

/** Everything `createStack` builds, for the program and its tests. */
export interface StackResources {
  readonly outputs: FoundationOutputs;
  readonly awsProvider: aws.Provider;
  readonly network: Network;
  readonly cluster: Cluster;
  readonly loadBalancer: LoadBalancer;
  readonly fileSystem: FileSystem;
}

/** Builds the AWS foundation: network, cluster, ALB, EFS. */
export function createFoundation(config: StackConfig): StackResources {
  const awsProvider = new aws.Provider("aws", {
    region: config.region,
    defaultTags: { tags: { ...config.tags } },
  });
  const opts = { providers: { aws: awsProvider } };

  const identity = aws.getCallerIdentityOutput({}, { provider: awsProvider });
  const network = new Network(
    "network",
    { network: config.network, clusterName: config.cluster.name },
    opts,
  );
  const cluster = new Cluster(
    "cluster",
    {
      cluster: config.cluster,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      stackTag: config.stackTag,
      storageClassName: config.redis.storageClassName,
    },
    opts,
  );
  const loadBalancer = new LoadBalancer(
    "ingress",
    {
      loadBalancer: config.loadBalancer,
      clusterName: config.cluster.name,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      publicSubnetIds: network.publicSubnetIds,
      nodeSecurityGroupId: cluster.nodeSecurityGroupId,
      nodeAutoscalingGroupName: cluster.nodeAutoscalingGroupName,
    },
    opts,
  );
  const fileSystem = new FileSystem(
    "files",
    {
      clusterName: config.cluster.name,
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnetIdsByZone,
      nodeSecurityGroupId: cluster.nodeSecurityGroupId,
    },
    opts,
  );

  const outputs: FoundationOutputs = {
    accountId: identity.accountId,
    callerArn: identity.arn,
    callerUser: identity.userId,
    clusterName: cluster.clusterName,
    region: config.region,
    kubeconfig: cluster.kubeconfig,
    vpcId: network.vpcId,
    vpcCidr: network.vpcCidr,
    publicSubnetIds: network.publicSubnetIds,
    publicSubnetCidrs: network.publicSubnetCidrs,
    privateSubnetIds: network.privateSubnetIds,
    privateSubnetCidrs: network.privateSubnetCidrs,
    natIps: network.natIps,
    nodeSecurityGroupId: cluster.nodeSecurityGroupId,
    targetGroupArn: loadBalancer.targetGroupArn,
    albDnsName: loadBalancer.dnsName,
    efsId: fileSystem.fileSystemId,
    efsMountTargetIds: fileSystem.mountTargetIds,
    ...(loadBalancer.recordSet ? { recordSet: loadBalancer.recordSet } : {}),
  };
  return { outputs, awsProvider, network, cluster, loadBalancer, fileSystem };
}

/** Builds the whole stack for a validated config; returns the stack outputs. */
export function createStack(config: StackConfig, _secrets: StackSecrets): FoundationOutputs {
  return createFoundation(config).outputs;
}
