/**
 * Step c of the destroy hook: what Kubernetes created in the VPC for this cluster and would leave
 * behind, blocking the deletion of subnets, security groups and the VPC: load balancers (ELBv2
 * and classic) and their security groups, and detached network interfaces of the VPC CNI
 * (pulumi/pulumi-eks#194). Selected by the cluster's tags only, never by name alone, and never
 * what carries a stack tag (`andyredis/stack`): Pulumi puts that tag on everything it manages
 * for the stack (the provider's `defaultTags`), Kubernetes' controllers do not.
 *
 * The finders here (`find*`, over the SDK's paginators) are shared with the leftover audit,
 * which calls them with its own selection.
 */
import type { EC2, EC2Client, Filter } from "@aws-sdk/client-ec2";
import type {
  ElasticLoadBalancing,
  ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import type {
  ElasticLoadBalancingV2,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { clusterTagKey, STACK_TAG_KEY } from "../tags";
import { tagsToRecord } from "./plan";
import { allPages, errorName, isNotFound, waitUntil } from "./retry";
import {
  CNI_CLUSTER_TAG_KEY,
  EKS_MANAGED_TAG_KEY,
  ELBV2_CLUSTER_TAG_KEY,
  type CleanupReport,
  type CleanupSettings,
  type Logger,
  type WaitOptions,
} from "./types";
import { cleanupFailure } from "./volumes";
import { ec2Sdk, elbSdk, elbv2Sdk } from "./sdk";

/** The clients of this step: `send` for the paginators, plus the single calls. */
export type Elbv2Api = ElasticLoadBalancingV2Client &
  Pick<ElasticLoadBalancingV2, "describeTags" | "deleteLoadBalancer">;
export type ElbApi = ElasticLoadBalancingClient &
  Pick<ElasticLoadBalancing, "describeTags" | "deleteLoadBalancer">;
export type Ec2NetworkApi = EC2Client &
  Pick<EC2, "deleteSecurityGroup" | "revokeSecurityGroupIngress" | "deleteNetworkInterface">;

/**
 * Whether Pulumi manages the resource for a stack: it carries `andyredis/stack` (any value; this
 * stack's, through the provider's `defaultTags`). Kubernetes' controllers never set that tag, so
 * a match on the cluster tag alone (a user tag `kubernetes.io/cluster/<name>=owned` on the
 * stack's own ALB, say) never makes the hook delete it.
 */
export function isPulumiManaged(tags: Readonly<Record<string, string>>): boolean {
  return tags[STACK_TAG_KEY] !== undefined;
}

/**
 * Whether Kubernetes created this load balancer for the cluster: the AWS Load Balancer
 * Controller tags `elbv2.k8s.aws/cluster=<name>`, the in-tree service controller
 * `kubernetes.io/cluster/<name>=owned`. (`shared` means "used by", not "created by".)
 */
export function isKubernetesLoadBalancer(
  tags: Readonly<Record<string, string>>,
  clusterName: string,
): boolean {
  return (
    (tags[ELBV2_CLUSTER_TAG_KEY] === clusterName || tags[clusterTagKey(clusterName)] === "owned") &&
    !isPulumiManaged(tags)
  );
}

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

/**
 * The Kubernetes object a load balancer or security group was created for, from the tags the
 * controllers set: `service/<ns>/<name>`, `ingress/<ns>/<name>`, `ingress-group/<group>`, or
 * undefined when the tags do not say (e.g. the Load Balancer Controller's shared backend group).
 */
export function kubernetesOwnerOf(tags: Readonly<Record<string, string>>): string | undefined {
  const service = tags["service.k8s.aws/stack"] ?? tags["kubernetes.io/service-name"];
  if (service !== undefined && service.includes("/")) return `service/${service}`;
  const ingress = tags["ingress.k8s.aws/stack"];
  if (ingress !== undefined) {
    return ingress.includes("/") ? `ingress/${ingress}` : `ingress-group/${ingress}`;
  }
  return undefined;
}

/**
 * Answers whether the owner (see `kubernetesOwnerOf`) still exists in the cluster. While it does,
 * its controller manages the load balancer and deletes it with the owner; deleting it under a
 * live Service would only make the controller create it again, or break a running service when
 * an update (not a destroy) runs the hook. Undefined: the cluster is not reachable, every
 * selected resource is a leftover.
 */
export type OwnerCheck = (owner: string | undefined) => Promise<boolean>;

/** Whether a network interface is a detached leftover of the VPC CNI for this cluster. */
export function isLeftoverCniInterface(
  tags: Readonly<Record<string, string>>,
  status: string,
  clusterName: string,
): boolean {
  return (
    tags[CNI_CLUSTER_TAG_KEY] === clusterName && status === "available" && !isPulumiManaged(tags)
  );
}

/** Splits a list into chunks (the describe-tags calls take at most 20 names). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A load balancer, security group or network interface, with its tags. */
export interface TaggedRef {
  /** ARN (ELBv2), name (classic ELB), group ID or interface ID. */
  readonly id: string;
  /** Security group name, classic ELB name, or ELBv2 name. */
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  /** ELBv2 state code, network interface status; undefined where the API gives none. */
  readonly state?: string;
}

type TagSelector = (tags: Readonly<Record<string, string>>, ref: TaggedRef) => boolean;

/**
 * ELBv2 load balancers whose tags `select` accepts (the describe call takes no tag filter),
 * in `vpcId` only when it is given.
 */
export async function findLoadBalancersV2(
  elbv2: ElasticLoadBalancingV2Client & Pick<ElasticLoadBalancingV2, "describeTags">,
  select: TagSelector,
  vpcId?: string,
): Promise<TaggedRef[]> {
  const { paginateDescribeLoadBalancers } = elbv2Sdk();
  const lbs = await allPages(
    paginateDescribeLoadBalancers({ client: elbv2, pageSize: 400 }, {}),
    (page) => page.LoadBalancers,
  );
  const byArn = new Map(
    lbs
      .filter((lb) => lb.LoadBalancerArn && (vpcId === undefined || lb.VpcId === vpcId))
      .map((lb) => [lb.LoadBalancerArn ?? "", lb]),
  );
  const selected: TaggedRef[] = [];
  for (const batch of chunks([...byArn.keys()], 20)) {
    const tags = await elbv2.describeTags({ ResourceArns: batch });
    for (const d of tags.TagDescriptions ?? []) {
      if (!d.ResourceArn) continue;
      const lb = byArn.get(d.ResourceArn);
      const ref = {
        id: d.ResourceArn,
        name: lb?.LoadBalancerName ?? "",
        tags: tagsToRecord(d.Tags),
        state: lb?.State?.Code,
      };
      if (select(ref.tags, ref)) selected.push(ref);
    }
  }
  return selected;
}

/** Classic load balancers whose tags `select` accepts, in `vpcId` only when it is given. */
export async function findClassicLoadBalancers(
  elb: ElasticLoadBalancingClient & Pick<ElasticLoadBalancing, "describeTags">,
  select: TagSelector,
  vpcId?: string,
): Promise<TaggedRef[]> {
  const { paginateDescribeLoadBalancers } = elbSdk();
  const lbs = await allPages(
    paginateDescribeLoadBalancers({ client: elb, pageSize: 400 }, {}),
    (page) => page.LoadBalancerDescriptions,
  );
  const names = lbs
    .filter((lb) => vpcId === undefined || lb.VPCId === vpcId)
    .map((lb) => lb.LoadBalancerName ?? "")
    .filter((n) => n !== "");
  const selected: TaggedRef[] = [];
  for (const batch of chunks(names, 20)) {
    const tags = await elb.describeTags({ LoadBalancerNames: batch });
    for (const d of tags.TagDescriptions ?? []) {
      if (!d.LoadBalancerName) continue;
      const ref = { id: d.LoadBalancerName, name: d.LoadBalancerName, tags: tagsToRecord(d.Tags) };
      if (select(ref.tags, ref)) selected.push(ref);
    }
  }
  return selected;
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

/** Network interfaces matching the EC2 `filters` whose tags (and status) `select` accepts. */
export async function findNetworkInterfaces(
  ec2: EC2Client,
  filters: Filter[],
  select: TagSelector,
): Promise<TaggedRef[]> {
  const { paginateDescribeNetworkInterfaces } = ec2Sdk();
  const enis = await allPages(
    paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 1000 }, { Filters: filters }),
    (page) => page.NetworkInterfaces,
  );
  const selected: TaggedRef[] = [];
  for (const n of enis) {
    if (!n.NetworkInterfaceId) continue;
    const ref = {
      id: n.NetworkInterfaceId,
      name: n.Description ?? "",
      tags: tagsToRecord(n.TagSet),
      state: n.Status,
    };
    if (select(ref.tags, ref)) selected.push(ref);
  }
  return selected;
}

/** The EC2 filter for one VPC, or none. */
function vpcFilter(vpcId: string | undefined): Filter[] {
  return vpcId === undefined ? [] : [{ Name: "vpc-id", Values: [vpcId] }];
}

/** ELBv2 load balancers Kubernetes created for the cluster (in `vpcId`, when given). */
export function findKubernetesLoadBalancersV2(
  elbv2: ElasticLoadBalancingV2Client & Pick<ElasticLoadBalancingV2, "describeTags">,
  clusterName: string,
  vpcId?: string,
): Promise<TaggedRef[]> {
  return findLoadBalancersV2(elbv2, (tags) => isKubernetesLoadBalancer(tags, clusterName), vpcId);
}

/** Classic load balancers Kubernetes created for the cluster (in `vpcId`, when given). */
export function findKubernetesClassicLoadBalancers(
  elb: ElasticLoadBalancingClient & Pick<ElasticLoadBalancing, "describeTags">,
  clusterName: string,
  vpcId?: string,
): Promise<TaggedRef[]> {
  return findClassicLoadBalancers(
    elb,
    (tags) => isKubernetesLoadBalancer(tags, clusterName),
    vpcId,
  );
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

/** The VPC CNI's detached (`available`) interfaces of the cluster (in `vpcId`, when given). */
export function findLeftoverCniInterfaces(
  ec2: EC2Client,
  clusterName: string,
  vpcId?: string,
): Promise<TaggedRef[]> {
  return findNetworkInterfaces(
    ec2,
    [
      { Name: `tag:${CNI_CLUSTER_TAG_KEY}`, Values: [clusterName] },
      { Name: "status", Values: ["available"] },
      ...vpcFilter(vpcId),
    ],
    (tags, n) => isLeftoverCniInterface(tags, n.state ?? "", clusterName),
  );
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
  const { ec2, elbv2, elb } = clients;
  const cluster = settings.clusterName;
  const isLive = async (owner: string | undefined): Promise<boolean> =>
    ownerIsLive === undefined ? false : ownerIsLive(owner);
  const loadBalancersDeleted: string[] = [];

  // Only inside the stack's VPC: a load balancer with this cluster's tag elsewhere (another
  // stack's cluster of the same name in another VPC, or another account's) is never touched.
  const vpc = settings.vpcId;
  const v2 = await findKubernetesLoadBalancersV2(elbv2, cluster, vpc);
  const classic = await findKubernetesClassicLoadBalancers(elb, cluster, vpc);
  const loadBalancers = [
    ...v2.map((lb) => ({
      lb,
      label: "load balancer",
      remove: () => elbv2.deleteLoadBalancer({ LoadBalancerArn: lb.id }),
    })),
    ...classic.map((lb) => ({
      lb,
      label: "classic load balancer",
      remove: () => elb.deleteLoadBalancer({ LoadBalancerName: lb.id }),
    })),
  ];
  for (const { lb, label, remove } of loadBalancers) {
    const owner = kubernetesOwnerOf(lb.tags);
    if (await isLive(owner)) {
      log(`  leaving ${label} ${lb.id} alone: ${owner ?? "its owner"} still exists`);
      continue;
    }
    try {
      await remove();
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    loadBalancersDeleted.push(lb.id);
    log(`  deleted ${label} ${lb.id}`);
  }

  const networkInterfacesDeleted = await deleteLeftoverCniInterfaces(ec2, cluster, vpc, log);

  const groups: TaggedRef[] = [];
  for (const g of await findKubernetesSecurityGroups(ec2, cluster, vpc)) {
    const owner = securityGroupOwner(g, [...v2, ...classic]);
    if (await isLive(owner)) {
      log(
        `  leaving security group ${g.id} (${g.name}) alone: ${owner ?? "its owner"} still exists`,
      );
    } else {
      groups.push(g);
    }
  }
  // A deleted load balancer releases its network interfaces asynchronously; until then its
  // security group is "in use" (DependencyViolation). Retry each until the timeout.
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
  return { loadBalancersDeleted, securityGroupsDeleted, networkInterfacesDeleted };
}

/** Deletes the CNI's detached interfaces of the cluster; one in use again is left alone. */
export async function deleteLeftoverCniInterfaces(
  ec2: EC2Client & Pick<EC2, "deleteNetworkInterface">,
  clusterName: string,
  vpcId: string,
  log: Logger,
): Promise<string[]> {
  const deleted: string[] = [];
  for (const { id } of await findLeftoverCniInterfaces(ec2, clusterName, vpcId)) {
    try {
      await ec2.deleteNetworkInterface({ NetworkInterfaceId: id });
      deleted.push(id);
      log(`  deleted network interface ${id}`);
    } catch (err) {
      if (isNotFound(err)) continue;
      if (errorName(err) === "InvalidNetworkInterface.InUse") {
        log(`  network interface ${id} is in use again: left alone`);
        continue;
      }
      throw err;
    }
  }
  return deleted;
}
