/**
 * Security groups: the audit's are the stack's and, with a cluster name, those Kubernetes made
 * for the cluster's load balancers; the hook deletes the latter (in the stack's VPC, while their
 * owner is gone), after revoking the rules of other groups that reference them. Free while they
 * exist, but a leftover one blocks the deletion of the VPC.
 */
import type { EC2, EC2Client, Filter } from "@aws-sdk/client-ec2";
import {
  clusterTagKey,
  EKS_MANAGED_TAG_KEY,
  ELBV2_CLUSTER_TAG_KEY,
  STACK_TAG_KEY,
} from "../../tags";
import type { Logger } from "../hookTypes";
import { isStackResource, tagsToRecord } from "../plan";
import { allPages, errorName, isNotFound, waitUntil } from "../retry";
import { cleanupFailure } from "../volumes";
import { ec2Sdk } from "../io/sdk";
import {
  isKubernetesLoadBalancer,
  kubernetesOwnerOf,
  vpcFilter,
  type TaggedRef,
  type TagSelector,
} from "./kubernetesOwned";
import { defineTarget, type NetworkStepContext } from "./target";

/**
 * Whether Kubernetes created this security group for a load balancer of the cluster. Besides
 * the cluster tag, the name must have the controllers' `k8s-` prefix: Pulumi's own node
 * security group (pulumi-eks) carries `kubernetes.io/cluster/<name>=owned` too, and the EKS
 * cluster security group carries `aws:eks:cluster-name`. Both are deleted by their owners.
 */
export function isKubernetesSecurityGroup(
  groupName: string,
  tags: Readonly<Record<string, string>>,
  clusterName: string,
): boolean {
  return (
    isKubernetesLoadBalancer(tags, clusterName) &&
    groupName.startsWith("k8s-") &&
    tags[EKS_MANAGED_TAG_KEY] === undefined
  );
}

/** Security groups matching the EC2 `filters` whose tags (and name) `select` accepts. */
export async function findSecurityGroups(
  ec2: EC2Client,
  filters: Filter[],
  select: TagSelector,
): Promise<TaggedRef[]> {
  const { paginateDescribeSecurityGroups } = ec2Sdk();
  const groups = await allPages(
    paginateDescribeSecurityGroups({ client: ec2, pageSize: 1000 }, { Filters: filters }),
    (page) => page.SecurityGroups,
  );
  const selected: TaggedRef[] = [];
  for (const g of groups) {
    if (!g.GroupId) continue;
    const ref = { id: g.GroupId, name: g.GroupName ?? "", tags: tagsToRecord(g.Tags) };
    if (select(ref.tags, ref)) selected.push(ref);
  }
  return selected;
}

/** Security groups Kubernetes created for the cluster's load balancers (in `vpcId`, when given). */
export async function findKubernetesSecurityGroups(
  ec2: EC2Client,
  clusterName: string,
  vpcId?: string,
): Promise<TaggedRef[]> {
  const found = new Map<string, TaggedRef>();
  for (const key of [clusterTagKey(clusterName), ELBV2_CLUSTER_TAG_KEY]) {
    const groups = await findSecurityGroups(
      ec2,
      [{ Name: "tag-key", Values: [key] }, ...vpcFilter(vpcId)],
      (tags, g) => isKubernetesSecurityGroup(g.name, tags, clusterName),
    );
    for (const g of groups) found.set(g.id, g);
  }
  return [...found.values()];
}

/**
 * Removes the ingress rules of other groups that reference `groupId` (the service controller
 * adds one to the node security group): while they exist the group cannot be deleted. Only the
 * referencing permissions are revoked, nothing else of those groups.
 */
export async function revokeReferencingRules(
  ec2: EC2Client & Pick<EC2, "revokeSecurityGroupIngress">,
  groupId: string,
  log: Logger,
): Promise<void> {
  const { paginateDescribeSecurityGroups } = ec2Sdk();
  const referencing = await allPages(
    paginateDescribeSecurityGroups(
      { client: ec2 },
      { Filters: [{ Name: "ip-permission.group-id", Values: [groupId] }] },
    ),
    (page) => page.SecurityGroups,
  );
  for (const g of referencing) {
    if (!g.GroupId || g.GroupId === groupId) continue;
    const perms = (g.IpPermissions ?? [])
      .filter((p) => (p.UserIdGroupPairs ?? []).some((pair) => pair.GroupId === groupId))
      .map((p) => ({
        IpProtocol: p.IpProtocol,
        FromPort: p.FromPort,
        ToPort: p.ToPort,
        UserIdGroupPairs: (p.UserIdGroupPairs ?? []).filter((pair) => pair.GroupId === groupId),
      }));
    if (perms.length === 0) continue;
    await ec2.revokeSecurityGroupIngress({ GroupId: g.GroupId, IpPermissions: perms });
    log(`  revoked ${perms.length} rule(s) of ${g.GroupId} referencing ${groupId}`);
  }
}

/**
 * The owner of a security group: from its tags, or for the in-tree controller's `k8s-elb-<lb>`
 * group, the owner of that load balancer.
 */
export function securityGroupOwner(
  group: TaggedRef,
  loadBalancers: readonly TaggedRef[],
): string | undefined {
  const own = kubernetesOwnerOf(group.tags);
  if (own !== undefined) return own;
  if (group.name.startsWith("k8s-elb-")) {
    const lb = loadBalancers.find((l) => l.name === group.name.slice("k8s-elb-".length));
    if (lb !== undefined) return kubernetesOwnerOf(lb.tags);
  }
  return undefined;
}

/**
 * Step c, last part: the security groups Kubernetes left (their owner gone). A deleted load
 * balancer releases its network interfaces asynchronously; until then its security group is "in
 * use" (DependencyViolation): each is retried until the timeout, then the step throws.
 */
async function deleteKubernetesSecurityGroups(
  ctx: NetworkStepContext,
): Promise<{ selected: TaggedRef[]; deleted: string[] }> {
  const { ec2 } = ctx.clients;
  const { settings, log, isLive, wait } = ctx;
  const loadBalancers = ctx.seen.get("load-balancer") ?? [];
  const groups: TaggedRef[] = [];
  const all = await findKubernetesSecurityGroups(ec2, settings.clusterName, settings.vpcId);
  for (const g of all) {
    const owner = securityGroupOwner(g, loadBalancers);
    if (await isLive(owner)) {
      log(
        `  leaving security group ${g.id} (${g.name}) alone: ${owner ?? "its owner"} still exists`,
      );
    } else {
      groups.push(g);
    }
  }
  const securityGroupsDeleted: string[] = [];
  let remaining = groups;
  let lastError = "";
  await waitUntil(async () => {
    const next: TaggedRef[] = [];
    for (const g of remaining) {
      try {
        await revokeReferencingRules(ec2, g.id, log);
        await ec2.deleteSecurityGroup({ GroupId: g.id });
        securityGroupsDeleted.push(g.id);
        log(`  deleted security group ${g.id} (${g.name})`);
      } catch (err) {
        if (isNotFound(err)) {
          securityGroupsDeleted.push(g.id);
        } else if (errorName(err) === "DependencyViolation") {
          lastError = `${g.id}: ${errorName(err)}`;
          next.push(g);
        } else {
          throw err;
        }
      }
    }
    remaining = next;
    if (remaining.length > 0) log(`waiting for ${remaining.length} security group(s) to be free`);
    return remaining.length === 0;
  }, wait);
  if (remaining.length > 0) {
    throw cleanupFailure(
      `security group(s) still in use after ${settings.timeoutSeconds}s (${lastError})`,
      remaining.map((g) => g.id),
      "See what uses them: aws ec2 describe-network-interfaces --filters " +
        "Name=group-id,Values=<id>; delete those load balancers or interfaces.",
    );
  }
  return { selected: all, deleted: securityGroupsDeleted };
}

export const securityGroup = defineTarget({
  kind: "security-group",
  arnType: "ec2:security-group",
  billable: false,
  async find({ ec2 }, { stackTag, clusterName }) {
    const stackFilter = [{ Name: `tag:${STACK_TAG_KEY}`, Values: [stackTag] }];
    const out = await findSecurityGroups(ec2, stackFilter, (tags) =>
      isStackResource(tags, stackTag),
    );
    if (clusterName) out.push(...(await findKubernetesSecurityGroups(ec2, clusterName)));
    return out;
  },
  deletion: {
    step: "network",
    reportKey: "securityGroupsDeleted",
    run: deleteKubernetesSecurityGroups,
  },
});
