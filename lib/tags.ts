/**
 * Tags and names that identify what this stack created. Every destructive call (the destroy hook,
 * the leftover audit) is scoped by `STACK_TAG_KEY` = `stackTagValue(...)`, never by a name.
 */

/** The tag key every AWS resource of the stack carries, and every volume the CSI driver creates. */
export const STACK_TAG_KEY = "andyredis/stack";

/** The value of the stack tag: `<organization>/<project>/<stack>`, unique per stack. */
export function stackTagValue(organization: string, project: string, stack: string): string {
  return `${organization}/${project}/${stack}`;
}

/** Whether a value has the form `stackTagValue` gives it: `<org>/<project>/<stack>`. */
export function isStackTag(value: string): boolean {
  return /^[^/]+\/[^/]+\/[^/]+$/.test(value);
}

/** The tag Kubernetes and the AWS load balancer controller use to find a cluster's resources. */
export function clusterTagKey(clusterName: string): string {
  return `kubernetes.io/cluster/${clusterName}`;
}

/**
 * The tags applied to every AWS resource through the provider's `defaultTags`: the user's tags,
 * then the stack tag (which the user cannot override, since cleanup depends on it).
 */
export function defaultTags(
  userTags: Readonly<Record<string, string>>,
  stackTag: string,
): Record<string, string> {
  return { ...userTags, [STACK_TAG_KEY]: stackTag };
}

/**
 * Tag keys (prefixes) a user's `tags` must not set, with why. Provider `defaultTags` put the
 * user's tags on every AWS resource of the stack, the ALB included; the destroy hook and the
 * audit select what to delete or report by these keys, so a user tag with one of them would
 * make the stack's own resources (or others') look like Kubernetes leftovers.
 */
export const RESERVED_TAG_PREFIXES: readonly { readonly prefix: string; readonly why: string }[] = [
  {
    prefix: "andyredis/",
    why: "the stack sets its own andyredis/* tags and cleanup selects on them",
  },
  { prefix: "aws:", why: 'the "aws:" prefix is reserved by AWS' },
  {
    prefix: "kubernetes.io/cluster/",
    why: "the destroy hook deletes load balancers and security groups by this tag",
  },
  {
    prefix: "kubernetes.io/created-for/",
    why: "the destroy hook matches volumes to the release's PVCs by these tags",
  },
  {
    prefix: "kubernetes.io/service-name",
    why: "the destroy hook takes load balancers with it for Kubernetes Services",
  },
  {
    prefix: "elbv2.k8s.aws/",
    why: "the destroy hook deletes the load balancer controller's resources by this tag",
  },
  {
    prefix: "service.k8s.aws/",
    why: "the destroy hook takes load balancers with it for Kubernetes Services",
  },
  {
    prefix: "ingress.k8s.aws/",
    why: "the destroy hook takes load balancers with it for Kubernetes Ingresses",
  },
  {
    prefix: "cluster.k8s.amazonaws.com/",
    why: "the destroy hook deletes network interfaces of the VPC CNI by this tag",
  },
  { prefix: "ebs.csi.aws.com/", why: "the EBS CSI driver's own tags" },
];

/** Why a user tag key is not allowed, or undefined when it is. Compared case-insensitively. */
export function reservedTagProblem(key: string): string | undefined {
  const lower = key.toLowerCase();
  const reserved = RESERVED_TAG_PREFIXES.find(({ prefix }) => lower.startsWith(prefix));
  return reserved ? `is not allowed: ${reserved.why}; use another key` : undefined;
}
