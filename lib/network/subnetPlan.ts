/**
 * Pure planning for the network: CIDR checks, the subnet plan, the NAT plan. The Network
 * component only loops over what these return.
 */
import { NatMode, NetworkConfig } from "../config/configTypes";
import { clusterTagKey } from "../tags";

export type SubnetType = "public" | "private";

export interface SubnetSpec {
  readonly type: SubnetType;
  /** Index into the stack's availability zones (the first `zoneCount` the region offers). */
  readonly zoneIndex: number;
  readonly cidrBlock: string;
  /** Logical resource name suffix, e.g. `public-0`. */
  readonly resourceName: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface NatPlan {
  /** One entry per NAT gateway: the zone index of the public subnet it sits in. */
  readonly gatewayZones: readonly number[];
  /** For each private subnet (by zone index), the index of the NAT gateway it routes through. */
  readonly gatewayForPrivateZone: readonly number[];
}

export interface ConfigProblem {
  readonly key: string;
  readonly message: string;
}

interface ParsedCidr {
  readonly start: number;
  readonly end: number;
  readonly prefix: number;
}

/** Parses an aligned IPv4 CIDR (`10.0.1.0/24`); returns a reason string when it is not one. */
export function parseCidr(cidr: string): ParsedCidr | string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return `"${cidr}" is not an IPv4 CIDR such as "10.0.1.0/24"`;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32)
    return `"${cidr}" is not an IPv4 CIDR such as "10.0.1.0/24"`;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) {
    const aligned = address - (address % size);
    const text = [24, 16, 8, 0].map((s) => Math.floor(aligned / 2 ** s) % 256).join(".");
    return `"${cidr}" is not aligned to its prefix; did you mean "${text}/${prefix}"?`;
  }
  return { start: address, end: address + size - 1, prefix };
}

/**
 * Every problem with the VPC and subnet CIDRs: format and alignment, AWS's /16–/28 sizes, each
 * subnet inside the VPC, no two subnets overlapping, and at least one CIDR per zone in each list.
 */
export function cidrProblems(
  vpcCidr: string,
  publicCidrs: readonly string[],
  privateCidrs: readonly string[],
  zoneCount: number,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const vpc = parseCidr(vpcCidr);
  if (typeof vpc === "string") {
    problems.push({ key: "vpcCidr", message: vpc });
  } else if (vpc.prefix < 16 || vpc.prefix > 28) {
    problems.push({
      key: "vpcCidr",
      message: `"${vpcCidr}" is not allowed; AWS allows VPC prefixes from /16 to /28`,
    });
  }
  const lists = [
    ["publicSubnetCidrs", publicCidrs],
    ["privateSubnetCidrs", privateCidrs],
  ] as const;
  const seen: { key: string; cidr: string; parsed: ParsedCidr }[] = [];
  for (const [key, cidrs] of lists) {
    if (cidrs.length < zoneCount) {
      problems.push({
        key,
        message: `lists ${cidrs.length} CIDR${cidrs.length === 1 ? "" : "s"} for ${zoneCount} zones; give at least one per zone (zoneCount)`,
      });
    }
    cidrs.slice(0, zoneCount).forEach((cidr, i) => {
      const parsed = parseCidr(cidr);
      if (typeof parsed === "string") {
        problems.push({ key: `${key}[${i}]`, message: parsed });
        return;
      }
      if (parsed.prefix < 16 || parsed.prefix > 28) {
        problems.push({
          key: `${key}[${i}]`,
          message: `"${cidr}" is not allowed; AWS allows subnet prefixes from /16 to /28`,
        });
      }
      if (typeof vpc !== "string" && (parsed.start < vpc.start || parsed.end > vpc.end)) {
        problems.push({
          key: `${key}[${i}]`,
          message: `"${cidr}" is not inside the VPC CIDR "${vpcCidr}"`,
        });
      }
      for (const other of seen) {
        if (parsed.start <= other.parsed.end && other.parsed.start <= parsed.end) {
          problems.push({
            key: `${key}[${i}]`,
            message: `"${cidr}" overlaps ${other.key} "${other.cidr}"`,
          });
        }
      }
      seen.push({ key: `${key}[${i}]`, cidr, parsed });
    });
  }
  return problems;
}

/**
 * The subnets to create: one public and one private per zone, in zone order, with the tags EKS
 * and the load balancer controllers use for discovery.
 */
export function planSubnets(network: NetworkConfig, clusterName: string): SubnetSpec[] {
  const specs: SubnetSpec[] = [];
  for (const type of ["public", "private"] as const) {
    const cidrs = type === "public" ? network.publicSubnetCidrs : network.privateSubnetCidrs;
    for (let zoneIndex = 0; zoneIndex < network.zoneCount; zoneIndex++) {
      specs.push({
        type,
        zoneIndex,
        cidrBlock: cidrs[zoneIndex],
        resourceName: `${type}-${zoneIndex}`,
        tags: {
          Name: `${clusterName}-${type}-${zoneIndex}`,
          [type === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
          [clusterTagKey(clusterName)]: "shared",
        },
      });
    }
  }
  return specs;
}

/** Where the NAT gateways go and which one each private subnet routes through. */
export function planNat(mode: NatMode, zoneCount: number): NatPlan {
  const zones = Array.from({ length: zoneCount }, (_, i) => i);
  switch (mode) {
    case "single":
      return { gatewayZones: [0], gatewayForPrivateZone: zones.map(() => 0) };
    case "perZone":
      return { gatewayZones: zones, gatewayForPrivateZone: zones };
    default: {
      const unknown: never = mode;
      throw new Error(`natMode: "${String(unknown)}" is not allowed; use one of: single, perZone`);
    }
  }
}
