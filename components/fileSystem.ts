import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface FileSystemArgs {
  /** Name prefix for the `Name` tags. */
  readonly clusterName: string;
  readonly vpcId: pulumi.Input<string>;
  /** One mount target is created in each of these subnets, in order. */
  readonly privateSubnetIds: pulumi.Input<string>[];
  /** The nodes' security group: the only source allowed to reach NFS (2049). */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
}

/**
 * Encrypted EFS with a mount target in each private subnet and a security group that admits NFS
 * from the nodes only. The file system and mount targets do not wait for the cluster; only the
 * ingress rule that names the nodes' security group does.
 */
export class FileSystem extends pulumi.ComponentResource {
  readonly fileSystemId: pulumi.Output<string>;
  readonly mountTargetIds: pulumi.Output<string[]>;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: FileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:efs:FileSystem", name, {}, opts);

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-efs`,
      {
        vpcId: args.vpcId,
        description: `EFS of ${args.clusterName}: NFS from the nodes only`,
        tags: { Name: `${args.clusterName}-efs` },
      },
      { parent: this },
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-nfs-from-nodes`,
      {
        securityGroupId: securityGroup.id,
        ipProtocol: "tcp",
        fromPort: 2049,
        toPort: 2049,
        referencedSecurityGroupId: args.nodeSecurityGroupId,
        description: "NFS from the nodes",
      },
      { parent: this },
    );
    const fileSystem = new aws.efs.FileSystem(
      `${name}-efs`,
      {
        encrypted: true,
        performanceMode: "generalPurpose",
        throughputMode: "elastic",
        tags: { Name: `${args.clusterName}-efs` },
      },
      { parent: this },
    );
    const mountTargets = args.privateSubnetIds.map(
      (subnetId, i) =>
        new aws.efs.MountTarget(
          `${name}-${i}`,
          { fileSystemId: fileSystem.id, subnetId, securityGroups: [securityGroup.id] },
          { parent: this },
        ),
    );

    this.fileSystemId = fileSystem.id;
    this.mountTargetIds = pulumi.all(mountTargets.map((m) => m.id));
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ fileSystemId: this.fileSystemId, mountTargetIds: this.mountTargetIds });
  }
}
