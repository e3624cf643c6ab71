/**
 * Step c of the destroy hook: what Kubernetes created in the VPC for this cluster and would leave
 * behind, blocking the deletion of subnets, security groups and the VPC: load balancers (ELBv2
 * and classic) and their security groups, and detached network interfaces of the VPC CNI
 * (pulumi/pulumi-eks#194). Selected by the cluster's tags only, never by name alone.
 */
import type { EC2 } from "@aws-sdk/client-ec2";
import type { ElasticLoadBalancing } from "@aws-sdk/client-elastic-load-balancing";
import type { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { clusterTagKey } from "../tags";
import { tagsToRecord } from "./plan";
import { errorName, isNotFound, waitUntil, withRetry } from "./retry";
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

export type Elbv2Api = Pick<
  ElasticLoadBalancingV2,
  "describeLoadBalancers" | "describeTags" | "deleteLoadBalancer"
>;
export type ElbApi = Pick<
  ElasticLoadBalancing,
  "describeLoadBalancers" | "describeTags" | "deleteLoadBalancer"
>;
export type Ec2NetworkApi = Pick<
  EC2,
  | "describeSecurityGroups"
  | "deleteSecurityGroup"
  | "revokeSecurityGroupIngress"
  | "describeNetworkInterfaces"
  | "deleteNetworkInterface"
>;

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
    tags[ELBV2_CLUSTER_TAG_KEY] === clusterName || tags[clusterTagKey(clusterName)] === "owned"
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
  return tags[CNI_CLUSTER_TAG_KEY] === clusterName && status === "available";
}

/** Splits a list into chunks (the describe-tags calls take at most 20 names). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A load balancer or security group Kubernetes created, with its tags. */
export interface TaggedRef {
  /** ARN (ELBv2), name (classic ELB) or group ID. */
  readonly id: string;
  /** Security group name, classic ELB name, or ELBv2 name. */
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** ELBv2 load balancers Kubernetes created for the cluster. */
export async function findKubernetesLoadBalancersV2(
  elbv2: Pick<ElasticLoadBalancingV2, "describeLoadBalancers" | "describeTags">,
  clusterName: string,
  wait: Pick<WaitOptions, "clock">,
): Promise<TaggedRef[]> {
  const names = new Map<string, string>();
  let marker: string | undefined;
  do {
    const page = await withRetry(
      () => elbv2.describeLoadBalancers({ Marker: marker, PageSize: 400 }),
      wait.clock,
    );
    for (const lb of page.LoadBalancers ?? []) {
      if (lb.LoadBalancerArn) names.set(lb.LoadBalancerArn, lb.LoadBalancerName ?? "");
    }
    marker = page.NextMarker;
  } while (marker);
  const selected: TaggedRef[] = [];
  for (const batch of chunks([...names.keys()], 20)) {
    const tags = await withRetry(() => elbv2.describeTags({ ResourceArns: batch }), wait.clock);
    for (const d of tags.TagDescriptions ?? []) {
      const rec = tagsToRecord(d.Tags);
      if (d.ResourceArn && isKubernetesLoadBalancer(rec, clusterName)) {
        selected.push({ id: d.ResourceArn, name: names.get(d.ResourceArn) ?? "", tags: rec });
      }
    }
  }
  return selected;
}

/** Classic load balancers Kubernetes created for the cluster. */
export async function findKubernetesClassicLoadBalancers(
  elb: Pick<ElasticLoadBalancing, "describeLoadBalancers" | "describeTags">,
  clusterName: string,
  wait: Pick<WaitOptions, "clock">,
): Promise<TaggedRef[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await withRetry(
      () => elb.describeLoadBalancers({ Marker: marker, PageSize: 400 }),
      wait.clock,
    );
    for (const lb of page.LoadBalancerDescriptions ?? []) {
      if (lb.LoadBalancerName) names.push(lb.LoadBalancerName);
    }
    marker = page.NextMarker;
  } while (marker);
  const selected: TaggedRef[] = [];
  for (const batch of chunks(names, 20)) {
    const tags = await withRetry(() => elb.describeTags({ LoadBalancerNames: batch }), wait.clock);
    for (const d of tags.TagDescriptions ?? []) {
      const rec = tagsToRecord(d.Tags);
      if (d.LoadBalancerName && isKubernetesLoadBalancer(rec, clusterName)) {
        selected.push({ id: d.LoadBalancerName, name: d.LoadBalancerName, tags: rec });
      }
    }
  }
  return selected;
}

/** Security groups Kubernetes created for the cluster's load balancers. */
export async function findKubernetesSecurityGroups(
  ec2: Pick<EC2, "describeSecurityGroups">,
  clusterName: string,
  wait: Pick<WaitOptions, "clock">,
): Promise<TaggedRef[]> {
  const found = new Map<string, TaggedRef>();
  for (const key of [clusterTagKey(clusterName), ELBV2_CLUSTER_TAG_KEY]) {
    let token: string | undefined;
    do {
      const page = await withRetry(
        () =>
          ec2.describeSecurityGroups({
            Filters: [{ Name: "tag-key", Values: [key] }],
            MaxResults: 1000,
            NextToken: token,
          }),
        wait.clock,
      );
      for (const g of page.SecurityGroups ?? []) {
        const tags = tagsToRecord(g.Tags);
        if (g.GroupId && isKubernetesSecurityGroup(g.GroupName ?? "", tags, clusterName)) {
          found.set(g.GroupId, { id: g.GroupId, name: g.GroupName ?? "", tags });
        }
      }
      token = page.NextToken;
    } while (token);
  }
  return [...found.values()];
}

/**
 * Removes the ingress rules of other groups that reference `groupId` (the service controller
 * adds one to the node security group): while they exist the group cannot be deleted. Only the
 * referencing permissions are revoked, nothing else of those groups.
 */
export async function revokeReferencingRules(
  ec2: Pick<EC2, "describeSecurityGroups" | "revokeSecurityGroupIngress">,
  groupId: string,
  wait: Pick<WaitOptions, "clock">,
  log: Logger,
): Promise<void> {
  const page = await withRetry(
    () =>
      ec2.describeSecurityGroups({
        Filters: [{ Name: "ip-permission.group-id", Values: [groupId] }],
      }),
    wait.clock,
  );
  for (const g of page.SecurityGroups ?? []) {
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
    await withRetry(
      () => ec2.revokeSecurityGroupIngress({ GroupId: g.GroupId, IpPermissions: perms }),
      wait.clock,
    );
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

  const v2 = await findKubernetesLoadBalancersV2(elbv2, cluster, wait);
  const classic = await findKubernetesClassicLoadBalancers(elb, cluster, wait);
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
      await withRetry(remove, wait.clock);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    loadBalancersDeleted.push(lb.id);
    log(`  deleted ${label} ${lb.id}`);
  }

  const networkInterfacesDeleted = await deleteLeftoverCniInterfaces(ec2, cluster, log, wait);

  const groups: TaggedRef[] = [];
  for (const g of await findKubernetesSecurityGroups(ec2, cluster, wait)) {
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
        await revokeReferencingRules(ec2, g.id, wait, log);
        await withRetry(() => ec2.deleteSecurityGroup({ GroupId: g.id }), wait.clock);
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
  ec2: Pick<EC2, "describeNetworkInterfaces" | "deleteNetworkInterface">,
  clusterName: string,
  log: Logger,
  wait: Pick<WaitOptions, "clock">,
): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        ec2.describeNetworkInterfaces({
          Filters: [
            { Name: `tag:${CNI_CLUSTER_TAG_KEY}`, Values: [clusterName] },
            { Name: "status", Values: ["available"] },
          ],
          MaxResults: 1000,
          NextToken: token,
        }),
      wait.clock,
    );
    for (const n of page.NetworkInterfaces ?? []) {
      if (
        n.NetworkInterfaceId &&
        isLeftoverCniInterface(tagsToRecord(n.TagSet), n.Status ?? "", clusterName)
      ) {
        ids.push(n.NetworkInterfaceId);
      }
    }
    token = page.NextToken;
  } while (token);
  const deleted: string[] = [];
  for (const id of ids) {
    try {
      await withRetry(() => ec2.deleteNetworkInterface({ NetworkInterfaceId: id }), wait.clock);
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
