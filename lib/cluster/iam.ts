/**
 * IAM documents and managed policy ARNs the cluster needs, as plain data so they are tested
 * without resources.
 */

/**
 * AWS-managed policies of the node role (kubelet, image pulls), each with the suffix of its
 * attachment's resource name. Not the VPC CNI's policy: that goes to the `aws-node` service
 * account through Pod Identity (`CNI_POLICY_ARN`), so a pod cannot use it through the node.
 * The suffixes are the positions the three policies had before: `node-1` was the CNI policy,
 * and keeping `node-2` for the registry policy means an `up` of an older stack only removes
 * the CNI attachment (a renamed attachment would be created, then its old twin deleted, which
 * detaches the policy both name).
 */
export const NODE_POLICIES = [
  { suffix: "0", policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
  { suffix: "2", policyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" },
] as const;

/** The VPC CNI's policy (IP address management), for the `aws-node` service account. */
export const CNI_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy";

/** The VPC CNI's service account (the `aws-node` DaemonSet) in kube-system. */
export const CNI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "aws-node" } as const;

/** The AWS-managed policy the EBS CSI driver documents for its controller. */
export const EBS_CSI_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy";

/** Cluster-wide admin through an EKS access entry. */
export const CLUSTER_ADMIN_POLICY_ARN =
  "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/** The service account of the EBS CSI controller, which the add-on creates in kube-system. */
export const EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa";

/** Trust policy letting EC2 instances (the nodes) assume a role. */
export function ec2AssumeRolePolicy(): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ],
  });
}

/**
 * Trust policy for EKS Pod Identity: the agent assumes the role on behalf of a service account
 * (and tags the session with the pod's attributes).
 */
export function podIdentityAssumeRolePolicy(): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
      },
    ],
  });
}

/**
 * The EBS CSI add-on's `configurationValues`: every volume the driver creates carries the stack
 * tag and the cluster tag, which is what the destroy hook and the leftover audit select on.
 */
export function ebsCsiAddonConfiguration(
  clusterName: string,
  volumeTags: Readonly<Record<string, string>>,
): string {
  return JSON.stringify({
    controller: { extraVolumeTags: { ...volumeTags }, k8sTagClusterId: clusterName },
  });
}
