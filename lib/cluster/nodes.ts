/**
 * The managed node group's own launch template, as plain data: what the EKS Best Practices
 * Guide asks of the nodes and `@pulumi/eks`'s `enableIMDSv2` does not give (it sets the hop
 * limit to 2, so every pod reaches the instance role through IMDS).
 */

/** The root device of the EKS-optimized Amazon Linux 2023 AMIs. */
export const AL2023_ROOT_DEVICE = "/dev/xvda";

/**
 * IMDSv2 only, hop limit 1: a pod on the pod network cannot reach the instance metadata (and
 * the node role's credentials); host-network pods (the VPC CNI, kube-proxy, the Pod Identity
 * agent, the EBS CSI node plugin's fallback to the Kubernetes API) do not need the extra hop.
 */
export const NODE_METADATA_OPTIONS = {
  httpEndpoint: "enabled",
  httpTokens: "required",
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: "disabled",
} as const;

export interface NodeRootVolume {
  readonly deviceName: string;
  readonly ebs: {
    readonly volumeSize: number;
    readonly volumeType: "gp3";
    /** The EC2 API takes these as strings in a launch template. */
    readonly encrypted: "true";
    readonly deleteOnTermination: "true";
  };
}

/** The nodes' root volume: gp3, encrypted (with the account's EBS key) whatever the account default. */
export function nodeRootVolume(sizeGiB: number): NodeRootVolume {
  return {
    deviceName: AL2023_ROOT_DEVICE,
    ebs: { volumeSize: sizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
  };
}
