/**
 * Tags and names that identify what this stack created. Every destructive call (the destroy hook,
 * the leftover audit) is scoped by `STACK_TAG_KEY` = `stackTagValue(...)`, never by a name.
 *
 * The one home of every tag key and prefix the project sets or selects on: the cleanup targets
 * (lib/cleanup/targets/) and the user-tag check (`reservedTagProblem`) read them from here.
 */

/** The prefix of the tags this project sets itself. */
const ANDYREDIS_PREFIX = "andyredis/";
/** The tag key every AWS resource of the stack carries, and every volume the CSI driver creates. */
export const STACK_TAG_KEY = `${ANDYREDIS_PREFIX}stack`;
/** Tag put on snapshots the hook made and volumes it retained, so the audit can tell them apart. */
export const CLEANUP_TAG_KEY = `${ANDYREDIS_PREFIX}cleanup`;
/** `CLEANUP_TAG_KEY` value of a snapshot the hook took (`snapshot` mode). */
export const HOOK_SNAPSHOT_MARKER = "snapshot";
/** `CLEANUP_TAG_KEY` value of a volume the hook kept (`retain` mode). */
export const RETAINED_MARKER = "retained";
/** Tag on a hook snapshot naming the volume it was taken from (finds it again on a rerun). */
export const SOURCE_VOLUME_TAG_KEY = `${ANDYREDIS_PREFIX}source-volume`;

// The tags Kubernetes and AWS put on what they create, which the destroy hook and the audit
// select on. Each prefix is also reserved for users' tags (`RESERVED_TAG_PREFIXES`).
const CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/";
const CREATED_FOR_PREFIX = "kubernetes.io/created-for/";
const SERVICE_NAME_TAG_KEY = "kubernetes.io/service-name";
const ELBV2_PREFIX = "elbv2.k8s.aws/";
const SERVICE_STACK_PREFIX = "service.k8s.aws/";
const INGRESS_STACK_PREFIX = "ingress.k8s.aws/";
const CNI_PREFIX = "cluster.k8s.amazonaws.com/";
const AWS_PREFIX = "aws:";
/** Tags the EBS CSI driver puts on a volume it created for a PVC (`--extra-create-metadata`). */
export const PVC_NAMESPACE_TAG_KEY = `${CREATED_FOR_PREFIX}pvc/namespace`;
export const PVC_NAME_TAG_KEY = `${CREATED_FOR_PREFIX}pvc/name`;
/** Tags of load balancers and security groups created by the AWS Load Balancer Controller. */
export const ELBV2_CLUSTER_TAG_KEY = `${ELBV2_PREFIX}cluster`;
/** The Kubernetes Service a load balancer was made for (`<ns>/<name>`), by either controller. */
export const LBC_SERVICE_TAG_KEY = `${SERVICE_STACK_PREFIX}stack`;
export const IN_TREE_SERVICE_TAG_KEY = SERVICE_NAME_TAG_KEY;
/** The Ingress (`<ns>/<name>`) or ingress group of a load balancer of the Load Balancer Controller. */
export const LBC_INGRESS_TAG_KEY = `${INGRESS_STACK_PREFIX}stack`;
/** Tag the VPC CNI puts on the network interfaces it creates. */
export const CNI_CLUSTER_TAG_KEY = `${CNI_PREFIX}name`;
/** Tag EKS puts on what it manages itself (the cluster security group): never ours to delete. */
export const EKS_MANAGED_TAG_KEY = `${AWS_PREFIX}eks:cluster-name`;

/**
 * The stack's name as Pulumi gives it: `<organization>/<project>/<stack>`. Not unique: on a
 * file or S3 backend the organization is always `organization`, so two people's `dev` stacks
 * in one account and region have the same name. It was the whole stack tag before the stack
 * identity existed (a "legacy" tag), and is the readable start of the tag now.
 */
export function stackTagValue(organization: string, project: string, stack: string): string {
  return `${organization}/${project}/${stack}`;
}

/**
 * Characters of the random stack id (a `random.RandomString` of lower-case letters and digits,
 * kept in the state): 36^16, about 2^82 values.
 */
export const STACK_ID_LENGTH = 16;

const STACK_ID = new RegExp(`^[0-9a-z]{${STACK_ID_LENGTH}}$`);

/**
 * The stack tag: the stack's name and its random id, `<org>/<project>/<stack>/<id>`. The id is
 * created once and kept in the state, so two stacks never share a tag, whatever their backend
 * and names (a copy of the state shares it, as it shares everything else).
 */
export function stackIdentityTag(stackName: string, stackId: string): string {
  if (!STACK_ID.test(stackId)) {
    throw new Error(
      `stack id: got ${JSON.stringify(stackId)}, expected ${STACK_ID_LENGTH} lower-case letters or digits`,
    );
  }
  return `${stackName}/${stackId}`;
}

/** Whether a value is a stack tag: `<org>/<project>/<stack>/<id>`, or a legacy `<org>/<project>/<stack>`. */
export function isStackTag(value: string): boolean {
  const parts = value.split("/");
  if (parts.length === 4)
    return parts.slice(0, 3).every((p) => p !== "") && STACK_ID.test(parts[3]);
  return parts.length === 3 && parts.every((p) => p !== "");
}

/** Whether a tag is a legacy one (no stack id): the form stacks had before the identity. */
export function isLegacyStackTag(value: string): boolean {
  return value.split("/").length === 3 && isStackTag(value);
}

/**
 * Whether going from tag `from` to tag `to` is the migration of a stack created before the
 * identity: `from` is legacy, and `to` is `from` with an id. Anything else that changes the
 * tag is another stack.
 */
export function isStackTagMigration(from: string, to: string): boolean {
  return (
    isLegacyStackTag(from) && isStackTag(to) && !isLegacyStackTag(to) && to.startsWith(`${from}/`)
  );
}

/** The tag Kubernetes and the AWS load balancer controller use to find a cluster's resources. */
export function clusterTagKey(clusterName: string): string {
  return `${CLUSTER_TAG_PREFIX}${clusterName}`;
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
    prefix: ANDYREDIS_PREFIX,
    why: "the stack sets its own andyredis/* tags and cleanup selects on them",
  },
  { prefix: AWS_PREFIX, why: 'the "aws:" prefix is reserved by AWS' },
  {
    prefix: CLUSTER_TAG_PREFIX,
    why: "the destroy hook deletes load balancers and security groups by this tag",
  },
  {
    prefix: CREATED_FOR_PREFIX,
    why: "the destroy hook matches volumes to the release's PVCs by these tags",
  },
  {
    prefix: SERVICE_NAME_TAG_KEY,
    why: "the destroy hook takes load balancers with it for Kubernetes Services",
  },
  {
    prefix: ELBV2_PREFIX,
    why: "the destroy hook deletes the load balancer controller's resources by this tag",
  },
  {
    prefix: SERVICE_STACK_PREFIX,
    why: "the destroy hook takes load balancers with it for Kubernetes Services",
  },
  {
    prefix: INGRESS_STACK_PREFIX,
    why: "the destroy hook takes load balancers with it for Kubernetes Ingresses",
  },
  {
    prefix: CNI_PREFIX,
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
