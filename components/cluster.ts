import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../lib/config/configTypes";
import {
  CLUSTER_ADMIN_POLICY_ARN,
  CNI_POLICY_ARN,
  CNI_SERVICE_ACCOUNT,
  EBS_CSI_POLICY_ARN,
  EBS_CSI_SERVICE_ACCOUNT,
  NODE_POLICIES,
  ebsCsiAddonConfiguration,
  ec2AssumeRolePolicy,
  podIdentityAssumeRolePolicy,
} from "../lib/cluster/iam";
import { NODE_METADATA_OPTIONS, nodeRootVolume } from "../lib/cluster/nodes";
import { AWS_STORAGE_CLASS } from "../lib/redis/defaults";
import { STACK_TAG_KEY } from "../lib/tags";

/** Where EKS sends a cluster's control-plane logs (fixed by EKS). */
export function controlPlaneLogGroupName(clusterName: string): string {
  return `/aws/eks/${clusterName}/cluster`;
}

/**
 * The KMS key for envelope encryption of Kubernetes secrets: created (symmetric, yearly
 * rotation, the default key policy of the account), given by ARN, or none.
 */
function secretsKeyArn(
  name: string,
  cfg: ClusterConfig,
  parent: pulumi.Resource,
): pulumi.Output<string> | undefined {
  const encryption = cfg.secretsEncryption;
  switch (encryption.kind) {
    case "none":
      return undefined;
    case "keyArn":
      return pulumi.output(encryption.keyArn);
    case "create":
      return new aws.kms.Key(
        `${name}-secrets`,
        {
          description: `Envelope encryption of the Kubernetes secrets of EKS cluster ${cfg.name}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
        },
        { parent },
      ).arn;
    default:
      throw new Error(`secrets encryption: unknown kind ${JSON.stringify(encryption)}`);
  }
}

export interface ClusterArgs {
  /** Name, version, node group sizes and admins, validated by the config (`lib/config/`). */
  readonly cluster: ClusterConfig;
  /** The VPC the cluster runs in. */
  readonly vpcId: pulumi.Input<string>;
  /** Public subnets: where internet-facing load balancers go. */
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Private subnets: where the nodes run. */
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The `andyredis/stack` tag value; the EBS CSI driver puts it on every volume it creates. */
  readonly stackTag: pulumi.Input<string>;
  /** Name of the default StorageClass to create. Defaults to `AWS_STORAGE_CLASS` ("gp3"). */
  readonly storageClassName?: string;
}

/**
 * EKS through `@pulumi/eks`: API authentication with access entries (no aws-auth ConfigMap), a
 * managed node group in the private subnets on the stack's own launch template (IMDSv2 with hop
 * limit 1, encrypted root volume), the VPC CNI and the EBS CSI driver add-on each with an IAM
 * role through EKS Pod Identity (none of it on the node role), and a default encrypted gp3 StorageClass on the
 * `ebs.csi.aws.com` provisioner. Exposes a Kubernetes provider for what follows.
 *
 * Pod Identity rather than IRSA: the driver's docs recommend it, it needs no OIDC provider, and
 * its trust policy names no cluster-specific issuer, so the role survives a cluster replacement.
 */
export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  /** Kubeconfig (JSON), a Pulumi secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** The security group the nodes are in: the cluster security group EKS creates. */
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  readonly nodeAutoscalingGroupName: pulumi.Output<string>;
  readonly eksCluster: eks.Cluster;
  readonly nodeGroup: eks.ManagedNodeGroup;
  /** The node group's launch template (IMDSv2 hop limit 1, encrypted root volume). */
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  /** The VPC CNI's (aws-node's) Pod Identity association. */
  readonly cniPodIdentity: aws.eks.PodIdentityAssociation;
  readonly ebsCsiAddon: aws.eks.Addon;
  readonly storageClass: k8s.storage.v1.StorageClass;
  /** The control-plane log group (`/aws/eks/<name>/cluster`). */
  readonly logGroup: aws.cloudwatch.LogGroup;
  /** The KMS key that envelope-encrypts Kubernetes secrets, when one is configured. */
  readonly secretsKeyArn?: pulumi.Output<string>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:cluster:Cluster", name, {}, opts);
    const { cluster: cfg } = args;
    // The eks components are remote (run in the eks plugin): hand them the stack's AWS provider
    // explicitly so their children get its region and default tags.
    const awsProvider = this.getProvider("aws::");
    const remoteOpts = {
      parent: this,
      ...(awsProvider ? { providers: { aws: awsProvider } } : {}),
    };

    // EKS writes the control-plane logs to this group; created first, so that the stack (not EKS,
    // which would keep them forever) sets the retention, and destroy removes it.
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: controlPlaneLogGroupName(cfg.name), retentionInDays: cfg.logRetentionDays },
      { parent: this },
    );
    this.secretsKeyArn = secretsKeyArn(name, cfg, this);

    this.eksCluster = new eks.Cluster(
      `${name}-eks`,
      {
        name: cfg.name,
        enabledClusterLogTypes: [...cfg.logTypes],
        ...(this.secretsKeyArn ? { encryptionConfigKeyArn: this.secretsKeyArn } : {}),
        version: cfg.kubernetesVersion,
        vpcId: args.vpcId,
        publicSubnetIds: args.publicSubnetIds,
        privateSubnetIds: args.privateSubnetIds,
        nodeAssociatePublicIpAddress: false,
        skipDefaultNodeGroup: true,
        skipDefaultSecurityGroups: true,
        authenticationMode: eks.AuthenticationMode.Api,
        accessEntries: Object.fromEntries(
          cfg.adminPrincipalArns.map((principalArn, i) => [
            `admin-${i}`,
            {
              principalArn,
              accessPolicies: {
                admin: { policyArn: CLUSTER_ADMIN_POLICY_ARN, accessScope: { type: "cluster" } },
              },
            },
          ]),
        ),
        // Private endpoint always (the nodes use it); the public one only when asked for, and
        // then only for the CIDRs the user listed (config refuses 0.0.0.0/0 without an opt-in).
        endpointPrivateAccess: true,
        endpointPublicAccess: cfg.apiEndpointPublic,
        ...(cfg.apiEndpointPublic ? { publicAccessCidrs: [...cfg.apiPublicAccessCidrs] } : {}),
        createOidcProvider: false,
        // The Redis NetworkPolicy is only enforced when the VPC CNI runs its policy agent.
        vpcCniOptions: { enableNetworkPolicy: true },
      },
      { ...remoteOpts, dependsOn: [this.logGroup] },
    );
    // `eksCluster` is a resource reference: go through apply so the value (and the dependency on
    // the cluster) comes along.
    this.clusterName = this.eksCluster.eksCluster.apply((c) => c.name);
    this.nodeSecurityGroupId = this.eksCluster.eksCluster
      .apply((c) => c.vpcConfig)
      .apply((v) => v.clusterSecurityGroupId);
    this.kubeconfig = pulumi.secret(this.eksCluster.kubeconfigJson);

    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      { assumeRolePolicy: ec2AssumeRolePolicy(), description: `Nodes of EKS cluster ${cfg.name}` },
      { parent: this },
    );
    const nodePolicies = NODE_POLICIES.map(
      ({ suffix, policyArn }) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${suffix}`,
          { role: nodeRole.name, policyArn },
          { parent: this },
        ),
    );
    // The VPC CNI gets its AWS permissions through Pod Identity, not the node role. The
    // association exists before the first node, so the aws-node pods of every node are created
    // with it (EKS injects the credentials at pod creation); they get credentials once the
    // Pod Identity agent runs, which is a host-network DaemonSet like aws-node itself.
    const cniRole = new aws.iam.Role(
      `${name}-vpc-cni`,
      {
        assumeRolePolicy: podIdentityAssumeRolePolicy(),
        description: `VPC CNI (aws-node) of EKS cluster ${cfg.name}`,
      },
      { parent: this },
    );
    const cniPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-vpc-cni`,
      { role: cniRole.name, policyArn: CNI_POLICY_ARN },
      { parent: this },
    );
    this.cniPodIdentity = new aws.eks.PodIdentityAssociation(
      `${name}-vpc-cni`,
      {
        clusterName: this.clusterName,
        namespace: CNI_SERVICE_ACCOUNT.namespace,
        serviceAccount: CNI_SERVICE_ACCOUNT.name,
        roleArn: cniRole.arn,
      },
      { parent: this, dependsOn: [cniPolicy] },
    );
    // The stack's own launch template: IMDSv2 with hop limit 1 (eks's enableIMDSv2 gives 2) and
    // an encrypted gp3 root volume. The AMI stays EKS's (no image ID here), so EKS merges its
    // own bootstrap into the template.
    this.launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        description: `Nodes of EKS cluster ${cfg.name}: IMDSv2 hop limit 1, encrypted root volume`,
        metadataOptions: { ...NODE_METADATA_OPTIONS },
        blockDeviceMappings: [nodeRootVolume(cfg.nodeDiskSizeGiB)],
        updateDefaultVersion: true,
      },
      { parent: this },
    );
    this.nodeGroup = new eks.ManagedNodeGroup(
      `${name}-nodes`,
      {
        cluster: this.eksCluster,
        nodeRole,
        instanceTypes: [cfg.nodeInstanceType],
        scalingConfig: {
          minSize: cfg.nodeMinSize,
          desiredSize: cfg.nodeDesiredSize,
          maxSize: cfg.nodeMaxSize,
        },
        subnetIds: args.privateSubnetIds,
        launchTemplate: {
          id: this.launchTemplate.id,
          version: this.launchTemplate.latestVersion.apply((v) => String(v)),
        },
        operatingSystem: eks.OperatingSystem.AL2023,
      },
      { ...remoteOpts, dependsOn: [...nodePolicies, this.cniPodIdentity] },
    );
    // `nodeGroup.resources` is a member of the Output, not of the NodeGroup: read it through
    // apply, or it is undefined at run time although it type-checks.
    this.nodeAutoscalingGroupName = this.nodeGroup.nodeGroup
      .apply((ng) => ng.resources)
      .apply((resources) => {
        const asg = resources[0]?.autoscalingGroups?.[0]?.name;
        if (!asg) throw new Error(`node group of cluster ${cfg.name} reports no autoscaling group`);
        return asg;
      });

    const podIdentityAgent = new aws.eks.Addon(
      `${name}-pod-identity-agent`,
      {
        clusterName: this.clusterName,
        addonName: "eks-pod-identity-agent",
        resolveConflictsOnCreate: "OVERWRITE",
      },
      { parent: this, dependsOn: [this.nodeGroup] },
    );
    const ebsCsiRole = new aws.iam.Role(
      `${name}-ebs-csi`,
      {
        assumeRolePolicy: podIdentityAssumeRolePolicy(),
        description: `EBS CSI driver of EKS cluster ${cfg.name}`,
      },
      { parent: this },
    );
    const ebsCsiPolicy = new aws.iam.RolePolicyAttachment(
      `${name}-ebs-csi`,
      { role: ebsCsiRole.name, policyArn: EBS_CSI_POLICY_ARN },
      { parent: this },
    );
    this.ebsCsiAddon = new aws.eks.Addon(
      `${name}-ebs-csi`,
      {
        clusterName: this.clusterName,
        addonName: "aws-ebs-csi-driver",
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        podIdentityAssociations: [
          { roleArn: ebsCsiRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT },
        ],
        configurationValues: pulumi
          .output(args.stackTag)
          .apply((tag) => ebsCsiAddonConfiguration(cfg.name, { [STACK_TAG_KEY]: tag })),
      },
      { parent: this, dependsOn: [this.nodeGroup, podIdentityAgent, ebsCsiPolicy] },
    );

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true },
      { parent: this },
    );
    // The `storageClasses` option of @pulumi/eks still uses the in-tree provisioner, so the
    // class is created here on the CSI driver.
    this.storageClass = new k8s.storage.v1.StorageClass(
      `${name}-gp3`,
      {
        metadata: {
          name: args.storageClassName ?? AWS_STORAGE_CLASS,
          annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
        },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Delete",
        allowVolumeExpansion: true,
      },
      { parent: this, provider: this.provider, dependsOn: [this.ebsCsiAddon] },
    );

    this.registerOutputs({
      clusterName: this.clusterName,
      kubeconfig: this.kubeconfig,
      nodeSecurityGroupId: this.nodeSecurityGroupId,
      nodeAutoscalingGroupName: this.nodeAutoscalingGroupName,
    });
  }
}
