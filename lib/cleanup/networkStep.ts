/**
 * Step c of the destroy hook: what Kubernetes created in the VPC for this cluster and would leave
 * behind, blocking the deletion of subnets, security groups and the VPC. Each cleanup target
 * the network step deletes (`targets/`, `deletion.step` "network") runs in registry order:
 * load balancers, then the VPC CNI's detached interfaces, then the security groups (which the
 * load balancers used).
 */
import type { CleanupReport, CleanupSettings, Logger, WaitOptions } from "./hookTypes";
import { TARGETS } from "./targets";
import type {
  Ec2NetworkApi,
  ElbApi,
  Elbv2Api,
  OwnerCheck,
  TaggedRef,
} from "./targets/kubernetesOwned";

/**
 * Runs step c; throws when a security group still cannot be deleted at the timeout.
 * `ownerIsLive` undefined: the cluster is gone or unreachable, so everything selected goes.
 */
export async function runNetworkStep(
  clients: { readonly ec2: Ec2NetworkApi; readonly elbv2: Elbv2Api; readonly elb: ElbApi },
  settings: CleanupSettings,
  log: Logger,
  wait: WaitOptions,
  ownerIsLive?: OwnerCheck,
): Promise<CleanupReport["network"]> {
  const isLive = async (owner: string | undefined): Promise<boolean> =>
    ownerIsLive === undefined ? false : ownerIsLive(owner);
  const report: Record<keyof CleanupReport["network"], string[]> = {
    loadBalancersDeleted: [],
    securityGroupsDeleted: [],
    networkInterfacesDeleted: [],
  };
  const seen = new Map<string, readonly TaggedRef[]>();
  for (const target of TARGETS) {
    const deletion = target.deletion;
    if (deletion.step !== "network") continue;
    const { ec2, elbv2, elb } = clients;
    const ctx = { clients: { ec2, elbv2, elb }, settings, log, wait, isLive, seen };
    const { selected, deleted } = await deletion.run(ctx);
    seen.set(target.kind, selected);
    report[deletion.reportKey].push(...deleted);
  }
  return report;
}
