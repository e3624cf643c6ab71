/**
 * Load balancers (ELBv2 and classic): the audit's are the stack's and, with a cluster name,
 * those Kubernetes created for it; the hook deletes the latter, in the stack's VPC only, while
 * the Service or Ingress they were made for is gone (its controller deletes them otherwise).
 */
import type {
  ElasticLoadBalancing,
  ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import type {
  ElasticLoadBalancingV2,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { tagsToRecord, isStackResource } from "../plan";
import { allPages, isNotFound } from "../retry";
import { elbSdk, elbv2Sdk } from "../io/sdk";
import {
  chunks,
  isKubernetesLoadBalancer,
  kubernetesOwnerOf,
  type TaggedRef,
  type TagSelector,
} from "./kubernetesOwned";
import { defineTarget, type NetworkStepContext } from "./target";

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

/** Step c, first part: the load balancers Kubernetes left, while their owner is gone. */
async function deleteKubernetesLoadBalancers(
  ctx: NetworkStepContext,
): Promise<{ selected: TaggedRef[]; deleted: string[] }> {
  const { elbv2, elb } = ctx.clients;
  const { log, isLive } = ctx;
  const cluster = ctx.settings.clusterName;
  const loadBalancersDeleted: string[] = [];

  // Only inside the stack's VPC: a load balancer with this cluster's tag elsewhere (another
  // stack's cluster of the same name in another VPC, or another account's) is never touched.
  const vpc = ctx.settings.vpcId;
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
  return { selected: [...v2, ...classic], deleted: loadBalancersDeleted };
}

export const loadBalancer = defineTarget({
  kind: "load-balancer",
  arnType: "elasticloadbalancing:loadbalancer",
  // ELBv2: loadbalancer/app|net|gwy/<name>/<id> (the ARN is its ID); classic: loadbalancer/<name>.
  idFromArn: (rest, arn) => (rest.includes("/") ? arn : rest),
  billable: true,
  // One listing each, selecting the stack's and (with a cluster) Kubernetes'.
  async find({ elbv2, elb }, { stackTag, clusterName }) {
    const select = (tags: Readonly<Record<string, string>>): boolean =>
      isStackResource(tags, stackTag) ||
      (clusterName !== undefined && isKubernetesLoadBalancer(tags, clusterName));
    const v2 = (await findLoadBalancersV2(elbv2, select)).map((lb) => ({ ...lb, arn: lb.id }));
    return [...v2, ...(await findClassicLoadBalancers(elb, select))];
  },
  deletion: {
    step: "network",
    reportKey: "loadBalancersDeleted",
    run: deleteKubernetesLoadBalancers,
  },
});
