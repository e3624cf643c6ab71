/** The "General and network" keys: the region, the user's tags and the network plan. */
import { NatMode, NetworkConfig } from "./configTypes";
import { regionProblem } from "./checks";
import { stackRegion } from "./keys";
import type { RawReader } from "./rawReader";
import { cidrProblems } from "../network/subnetPlan";
import { reservedTagProblem, STACK_TAG_KEY } from "../tags";

export interface GeneralConfig {
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly network: NetworkConfig;
}

export function parseGeneral(
  reader: RawReader,
  env: { readonly aws: boolean; readonly awsRegion?: string; readonly stackName: string },
): GeneralConfig {
  const { aws, stackName } = env;
  const allowUnlistedRegion = reader.boolean("allowUnlistedRegion");
  const regionSet = reader.text("region");
  const region = stackRegion(regionSet, env.awsRegion);
  if (aws) {
    const problem = regionProblem(region, allowUnlistedRegion);
    if (problem !== undefined) {
      reader.problem(
        "region",
        regionSet === undefined ? `is not set, and aws:region ${problem}` : problem,
      );
    }
  }
  const tags = reader.stringMap("tags");
  for (const tagKey of Object.keys(tags)) {
    const problem =
      tagKey === STACK_TAG_KEY
        ? `is not allowed: the stack sets it to "${stackName}/<its random id>" and cleanup depends on it`
        : reservedTagProblem(tagKey);
    if (problem !== undefined) reader.problem(`tags.${tagKey}`, problem);
  }
  const zoneCount = reader.integer("zoneCount");
  const natMode = reader.oneOf<NatMode>("natMode");
  const vpcCidr = reader.string("vpcCidr");
  const publicSubnetCidrs = reader.stringList("publicSubnetCidrs");
  const privateSubnetCidrs = reader.stringList("privateSubnetCidrs");
  if (aws) {
    for (const problem of cidrProblems(vpcCidr, publicSubnetCidrs, privateSubnetCidrs, zoneCount)) {
      reader.problem(problem.key, problem.message);
    }
  }
  return {
    region,
    tags,
    network: { vpcCidr, publicSubnetCidrs, privateSubnetCidrs, zoneCount, natMode },
  };
}
