/**
 * Composes the components for a validated config and returns the stack outputs. `index.ts` calls
 * it with the stack's own config; the program tests call it with others.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { FileSystem } from "./components/fileSystem";
import { LoadBalancer } from "./components/loadBalancer";
import { Network } from "./components/network";
import { RedisSentinel } from "./components/redis";
import { StackIdentity } from "./components/stackIdentity";
import { VolumeCleanup } from "./components/volumeCleanup";
import { StackSecrets } from "./config";
import { StackConfig } from "./lib/configTypes";
import { Exports, FoundationOutputs, RedisStackOutputs, ReleaseOutputs } from "./lib/contract";
import { defaultTags } from "./lib/tags";

/** What the AWS foundation exports (absent in `clusterOnly` mode); typed by the contract. */
export type FoundationExports = Exports<FoundationOutputs>;

/** Everything `createStack` builds, for the program and its tests. */
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

/** What the Redis release exports, in every mode; typed by the contract. */
export type ReleaseExports = Exports<ReleaseOutputs>;

/** Every stack export; the foundation's are absent in `clusterOnly` mode. */
export type StackExports = Exports<RedisStackOutputs>;

function redisOutputs(
  config: StackConfig,
  stackTag: pulumi.Output<string>,
  redis: RedisSentinel,
  kubeconfig: pulumi.Output<string>,
): ReleaseExports {
  return {
    deploymentMode: config.mode,
    stackTag,
    kubeconfig: pulumi.secret(kubeconfig),
    sentinelEndpoint: redis.sentinelEndpoint,
    sentinelHosts: redis.sentinelHosts,
    redisMasterSet: redis.masterSet,
    redisNamespace: redis.namespace,
    redisReleaseName: redis.releaseName,
    redisPassword: redis.password,
    ...(redis.masterEndpoint ? { redisMasterEndpoint: redis.masterEndpoint } : {}),
    redisClientLabel: { ...config.redis.clientLabel },
  };
}

/**
 * Builds the whole stack for a validated config and returns its outputs.
 *
 * `aws` mode: the foundation, then the destroy hook, then the Redis release. The release depends
 * on the hook, and the hook on the cluster, node group and CSI add-on, so `pulumi destroy`
 * removes the release, runs the hook's delete (PVCs, volumes, Kubernetes-made load balancers)
 * while the cluster still runs, and only then removes the cluster.
 *
 * `clusterOnly` mode: only the release, on a provider for the configured kubeconfig; no AWS
 * resource, and no hook (the stack did not create the cluster's volumes' driver, so it has no
 * tag to scope a volume deletion by; the chart's PVC retention policy still removes the PVCs).
 */
export function createStack(config: StackConfig, secrets: StackSecrets): StackExports {
  const { stackTag } = new StackIdentity("stack-identity", { stackName: config.stackName });
  if (config.mode === "clusterOnly") {
    if (secrets.kubeconfig === undefined) {
      throw new Error("andyredis:kubeconfig: is required in clusterOnly mode");
    }
    const provider = new k8s.Provider("existing-cluster", {
      kubeconfig: secrets.kubeconfig,
      context: config.existingCluster?.context,
      enableServerSideApply: true,
    });
    const redis = new RedisSentinel(
      "redis",
      { config: config.redis, password: secrets.redisPassword, pvcWhenDeleted: "Delete" },
      { providers: { kubernetes: provider } },
    );
    return redisOutputs(config, stackTag, redis, secrets.kubeconfig);
  }

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
    { dependsOn: [cluster.eksCluster, cluster.nodeGroup, cluster.ebsCsiAddon] },
  );
  // Snapshot and retain need the PVCs (and so the volumes) to outlive the release until the
  // hook has taken care of them.
  const pvcWhenDeleted = config.cleanup.volumeMode === "delete" ? "Delete" : "Retain";
  const redis = new RedisSentinel(
    "redis",
    {
      config: config.redis,
      password: secrets.redisPassword,
      pvcWhenDeleted,
      dependsOn: [cluster.storageClass, cluster.ebsCsiAddon, cleanup],
    },
    { providers: { kubernetes: cluster.provider } },
  );
  return { ...foundation.outputs, ...redisOutputs(config, stackTag, redis, cluster.kubeconfig) };
}
