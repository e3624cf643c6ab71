import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NetworkConfig } from "../lib/config/configTypes";
import { planNat, planSubnets } from "../lib/network/subnetPlan";

export interface NetworkArgs {
  /** CIDRs, zone count and NAT mode, validated by the config (`lib/config/`). */
  readonly network: NetworkConfig;
  /** Name of the EKS cluster that will use the subnets: it goes into the discovery tags. */
  readonly clusterName: string;
}

/**
 * The VPC: public and private subnets over the first `zoneCount` zones of the region, an internet
 * gateway, NAT gateway(s) with Elastic IPs, and one route table per private zone. Subnets carry
 * the tags EKS and load balancer discovery need.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  /** The private subnet IDs one by one, in zone order, for per-subnet resources. */
  readonly privateSubnetIdsByZone: pulumi.Output<string>[];
  readonly publicSubnetCidrs: pulumi.Output<string[]>;
  readonly privateSubnetCidrs: pulumi.Output<string[]>;
  /** Public IPs of the NAT gateways (the stack's egress addresses). */
  readonly natIps: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:network:Network", name, {}, opts);
    const { network, clusterName } = args;

    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this }).names;
    const zoneName = (index: number): pulumi.Output<string> =>
      zones.apply((names) => {
        if (names.length < network.zoneCount) {
          throw new Error(
            `andyredis:zoneCount: ${network.zoneCount} is not allowed in this region, which offers ${names.length} zones (${names.join(", ")})`,
          );
        }
        return names[index];
      });

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: network.vpcCidr,
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: { Name: `${clusterName}-vpc` },
      },
      { parent: this },
    );
    const internetGateway = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: vpc.id, tags: { Name: `${clusterName}-igw` } },
      { parent: this },
    );

    const subnets = planSubnets(network, clusterName).map((spec) => ({
      spec,
      subnet: new aws.ec2.Subnet(
        `${name}-${spec.resourceName}`,
        {
          vpcId: vpc.id,
          cidrBlock: spec.cidrBlock,
          availabilityZone: zoneName(spec.zoneIndex),
          mapPublicIpOnLaunch: false,
          tags: { ...spec.tags },
        },
        { parent: this },
      ),
    }));
    const publicSubnets = subnets.filter((s) => s.spec.type === "public").map((s) => s.subnet);
    const privateSubnets = subnets.filter((s) => s.spec.type === "private").map((s) => s.subnet);

    const publicRouteTable = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
        tags: { Name: `${clusterName}-public` },
      },
      { parent: this },
    );
    publicSubnets.forEach(
      (subnet, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-public-${i}`,
          { subnetId: subnet.id, routeTableId: publicRouteTable.id },
          { parent: this },
        ),
    );

    const natPlan = planNat(network.natMode, network.zoneCount);
    const natIps: aws.ec2.Eip[] = [];
    const natGateways = natPlan.gatewayZones.map((zoneIndex, i) => {
      const eip = new aws.ec2.Eip(
        `${name}-nat-${i}`,
        { domain: "vpc", tags: { Name: `${clusterName}-nat-${i}` } },
        { parent: this, dependsOn: [internetGateway] },
      );
      natIps.push(eip);
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        {
          allocationId: eip.id,
          subnetId: publicSubnets[zoneIndex].id,
          tags: { Name: `${clusterName}-nat-${i}` },
        },
        { parent: this, dependsOn: [internetGateway] },
      );
    });

    privateSubnets.forEach((subnet, zoneIndex) => {
      const routeTable = new aws.ec2.RouteTable(
        `${name}-private-${zoneIndex}`,
        {
          vpcId: vpc.id,
          routes: [
            {
              cidrBlock: "0.0.0.0/0",
              natGatewayId: natGateways[natPlan.gatewayForPrivateZone[zoneIndex]].id,
            },
          ],
          tags: { Name: `${clusterName}-private-${zoneIndex}` },
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${zoneIndex}`,
        { subnetId: subnet.id, routeTableId: routeTable.id },
        { parent: this },
      );
    });

    this.vpcId = vpc.id;
    this.vpcCidr = vpc.cidrBlock;
    this.publicSubnetIds = pulumi.all(publicSubnets.map((s) => s.id));
    this.privateSubnetIdsByZone = privateSubnets.map((s) => s.id);
    this.privateSubnetIds = pulumi.all(this.privateSubnetIdsByZone);
    this.publicSubnetCidrs = pulumi.all(publicSubnets.map((s) => s.cidrBlock));
    this.privateSubnetCidrs = pulumi.all(privateSubnets.map((s) => s.cidrBlock));
    this.natIps = pulumi.all(natIps.map((e) => e.publicIp));

    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      natIps: this.natIps,
    });
  }
}
