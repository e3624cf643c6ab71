/**
 * The `aws` mode's composition: the AWS foundation (network, cluster, ALB, EFS), the destroy hook
 * and the Redis release on the new cluster. `stack.ts` loads this module only in `aws` mode, so a
 * `clusterOnly` run never loads `@pulumi/aws`, `@pulumi/eks` or the AWS SDK clients.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { FileSystem } from "./components/fileSystem";
import { LoadBalancer } from "./components/loadBalancer";
import { Network } from "./components/network";
import { RedisSentinel, redisSecretArgs } from "./components/redis";
import { VolumeCleanup } from "./components/volumeCleanup";
import type { StackSecrets } from "./lib/config/io/loadConfig";
import { StackConfig } from "./lib/config/configTypes";
import { Exports, FoundationOutputs } from "./lib/contract";
import { defaultTags } from "./lib/tags";

/** What the AWS foundation exports (absent in `clusterOnly` mode); typed by the contract. */
export type FoundationExports = Exports<FoundationOutputs>;

/** Everything `createFoundation` builds, for the program and its tests. */
export interface StackResources {
  readonly outputs: FoundationExports;
  /** The cluster's kubeconfig, which the release outputs export (a secret). */
  readonly kubeconfig: pulumi.Output<string>;
  readonly awsProvider: aws.Provider;
  readonly network: Network;
  readonly cluster: Cluster;
  readonly loadBalancer: LoadBalancer;
  readonly fileSystem: FileSystem;
}

/** Builds the AWS foundation: network, cluster, ALB, EFS, every resource tagged `stackTag`. */
export function createFoundation(
  config: StackConfig,
  stackTag: pulumi.Output<string>,
): StackResources {
  const awsProvider = new aws.Provider("aws", {
    region: config.region,
    defaultTags: { tags: stackTag.apply((tag) => defaultTags(config.tags, tag)) },
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
      stackTag,
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

  const outputs: FoundationExports = {
    accountId: identity.accountId,
    callerArn: identity.arn,
    callerUser: identity.userId,
    clusterName: cluster.clusterName,
    region: config.region,
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
  return {
    outputs,
    kubeconfig: cluster.kubeconfig,
    awsProvider,
    network,
    cluster,
    loadBalancer,
    fileSystem,
  };
}

/** The `aws` mode's stack: what `createStack` exports besides the release's own outputs. */
export interface AwsStack {
  readonly foundation: StackResources;
  readonly redis: RedisSentinel;
}

/**
 * The foundation, then the destroy hook, then the Redis release. The release depends on the
 * hook, and the hook on the cluster, node group and CSI add-on, so `pulumi destroy` removes the
 * release, runs the hook's delete (PVCs, volumes, Kubernetes-made load balancers) while the
 * cluster still runs, and only then removes the cluster.
 */
export function createAwsStack(
  config: StackConfig,
  secrets: StackSecrets,
  stackTag: pulumi.Output<string>,
): AwsStack {
  const foundation = createFoundation(config, stackTag);
  const { cluster } = foundation;
  const cleanup = new VolumeCleanup(
    "volume-cleanup",
    {
      region: config.region,
      kubeconfig: cluster.kubeconfig,
      stackTag,
      vpcId: foundation.network.vpcId,
      clusterName: cluster.clusterName,
      namespace: config.redis.namespace,
      releaseName: config.redis.releaseName,
      mode: config.cleanup.volumeMode,
      timeoutSeconds: config.cleanup.timeoutSeconds,
    },
    {
      dependsOn: [cluster.eksCluster, cluster.nodeGroup, cluster.ebsCsiAddon],
      protect: config.protectData,
    },
  );
  // Snapshot and retain need the PVCs (and so the volumes) to outlive the release until the
  // hook has taken care of them.
  const pvcWhenDeleted = config.cleanup.volumeMode === "delete" ? "Delete" : "Retain";
  const redis = new RedisSentinel(
    "redis",
    {
      config: config.redis,
      ...redisSecretArgs(secrets),
      pvcWhenDeleted,
      dependsOn: [cluster.storageClass, cluster.ebsCsiAddon, cleanup],
    },
    { providers: { kubernetes: cluster.provider }, protect: config.protectData },
  );
  return { foundation, redis };
}
