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
