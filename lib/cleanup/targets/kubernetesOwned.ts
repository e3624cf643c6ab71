/**
 * What tells a resource Kubernetes created for the cluster from one Pulumi manages, shared by the
 * load balancer, security group and network interface targets: selected by the cluster's tags
 * only, never by name alone, and never what carries a stack tag (`andyredis/stack`): Pulumi puts
 * that tag on everything it manages for the stack (the provider's `defaultTags`), Kubernetes'
 * controllers do not.
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
import {
  clusterTagKey,
  ELBV2_CLUSTER_TAG_KEY,
  IN_TREE_SERVICE_TAG_KEY,
  LBC_INGRESS_TAG_KEY,
  LBC_SERVICE_TAG_KEY,
  STACK_TAG_KEY,
} from "../../tags";

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
 * The Kubernetes object a load balancer or security group was created for, from the tags the
 * controllers set: `service/<ns>/<name>`, `ingress/<ns>/<name>`, `ingress-group/<group>`, or
 * undefined when the tags do not say (e.g. the Load Balancer Controller's shared backend group).
 */
export function kubernetesOwnerOf(tags: Readonly<Record<string, string>>): string | undefined {
  const service = tags[LBC_SERVICE_TAG_KEY] ?? tags[IN_TREE_SERVICE_TAG_KEY];
  if (service !== undefined && service.includes("/")) return `service/${service}`;
  const ingress = tags[LBC_INGRESS_TAG_KEY];
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

/** Selects by tags (and the rest of the reference: a group's name, an interface's status). */
export type TagSelector = (tags: Readonly<Record<string, string>>, ref: TaggedRef) => boolean;

/** The EC2 filter for one VPC, or none. */
export function vpcFilter(vpcId: string | undefined): Filter[] {
  return vpcId === undefined ? [] : [{ Name: "vpc-id", Values: [vpcId] }];
}
