/**
 * The typed stack configuration. `parseConfig` (parse.ts) validates the raw Pulumi config and
 * returns a `StackConfig`; everything else takes (a part of) this object and never reads
 * `pulumi.Config` itself. Kept free of `@pulumi/pulumi` so that `lib/` planners and the CLIs can
 * import it.
 */
import { RedisTuning } from "../tuning";
import type { AclExtraRules } from "../redis/acl";

/** `aws`: the whole foundation plus Redis. `clusterOnly`: only Redis, into an existing cluster. */
export type DeploymentMode = "aws" | "clusterOnly";
export const DEPLOYMENT_MODES: readonly DeploymentMode[] = ["aws", "clusterOnly"];

/** `single`: one NAT gateway for all private subnets. `perZone`: one per zone (survives a zone). */
export type NatMode = "single" | "perZone";
export const NAT_MODES: readonly NatMode[] = ["single", "perZone"];

/** What `pulumi destroy` does with the EBS volumes the Redis PVCs leave behind. */
export type VolumeCleanupMode = "delete" | "snapshot" | "retain";
export const VOLUME_CLEANUP_MODES: readonly VolumeCleanupMode[] = ["delete", "snapshot", "retain"];

/** Whether a value (e.g. one read back from the state) is a `VolumeCleanupMode`. */
export function isVolumeCleanupMode(value: unknown): value is VolumeCleanupMode {
  return (VOLUME_CLEANUP_MODES as readonly unknown[]).includes(value);
}

/** The EKS control-plane log types (CloudWatch Logs). */
export type ClusterLogType = "api" | "audit" | "authenticator" | "controllerManager" | "scheduler";
export const CLUSTER_LOG_TYPES: readonly ClusterLogType[] = [
  "api",
  "audit",
  "authenticator",
  "controllerManager",
  "scheduler",
];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/**
 * Envelope encryption of Kubernetes secrets with a customer-managed KMS key: none (EKS's own
 * default encryption with an AWS-owned key), a key the stack creates, or a key given by ARN.
 */
export type SecretsEncryption =
  | { readonly kind: "none" }
  | { readonly kind: "create" }
  | { readonly kind: "keyArn"; readonly keyArn: string };

export interface NetworkConfig {
  readonly vpcCidr: string;
  /** One per zone, in zone order; only the first `zoneCount` are used. */
  readonly publicSubnetCidrs: readonly string[];
  /** One per zone, in zone order; only the first `zoneCount` are used. */
  readonly privateSubnetCidrs: readonly string[];
  readonly zoneCount: number;
  readonly natMode: NatMode;
}

export interface ClusterConfig {
  readonly name: string;
  readonly kubernetesVersion: string;
  readonly nodeInstanceType: string;
  readonly nodeMinSize: number;
  readonly nodeDesiredSize: number;
  readonly nodeMaxSize: number;
  readonly nodeDiskSizeGiB: number;
  /** IAM principal ARNs granted cluster admin through EKS access entries. */
  readonly adminPrincipalArns: readonly string[];
  /** Whether the Kubernetes API has a public endpoint (it always has a private one). */
  readonly apiEndpointPublic: boolean;
  /** CIDRs allowed to reach the public endpoint; empty when there is none. */
  readonly apiPublicAccessCidrs: readonly string[];
  /** Control-plane log types sent to CloudWatch Logs. */
  readonly logTypes: readonly ClusterLogType[];
  /** Retention of the control-plane log group, in days (one of `LOG_RETENTION_DAYS`). */
  readonly logRetentionDays: number;
  readonly secretsEncryption: SecretsEncryption;
}

export interface LoadBalancerConfig {
  /** Optional domain: an ACM certificate, an HTTPS listener and the record `*.<domain>`. */
  readonly domainName?: string;
  /** The node port the ALB's target group forwards to (an ingress controller's NodePort). */
  readonly targetPort: number;
  /** CIDRs allowed to reach the ALB's listeners. */
  readonly ingressCidrs: readonly string[];
}

/** A container image split the way the Bitnami chart's `image` blocks want it. */
export interface ImageRef {
  readonly registry: string;
  readonly repository: string;
  /** The tag; "" when the image is pinned by digest alone. */
  readonly tag: string;
  /**
   * `sha256:<64 hex>`: the image pinned by content. The chart then pulls
   * `registry/repository@digest`, whatever the tag says. Absent: the tag alone.
   */
  readonly digest?: string;
}

export interface RedisImages {
  readonly redis: ImageRef;
  readonly sentinel: ImageRef;
  readonly metrics: ImageRef;
  readonly osShell: ImageRef;
  /** The chart runs kubectl beside each node when the master-only Service is on. */
  readonly kubectl: ImageRef;
}

export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

export interface RedisConfig {
  readonly namespace: string;
  readonly releaseName: string;
  /**
   * Chart location: an OCI reference (`oci://...`), a classic repository URL (chart "redis"), a
   * chart archive URL (`.tgz`), or the absolute path of a local chart archive or directory
   * (the parser resolves a relative one against the project directory and checks it).
   */
  readonly chart: string;
  readonly chartVersion: string;
  readonly images: RedisImages;
  /** Number of Redis nodes (`replica.replicaCount`): one master, the rest replicas. */
  readonly nodes: number;
  readonly tuning: RedisTuning;
  readonly persistenceSize: string;
  /** StorageClass for the PVCs; in `aws` mode the stack's own gp3 class. */
  readonly storageClassName: string;
  readonly masterService: boolean;
  readonly serviceMonitor: boolean;
  /**
   * Lets the application user run Lua scripts and functions (`redisAllowScripting`). Off: the
   * Lua engine had CVE-2025-49844 (RCE) and CVE-2025-46817/46818/46819.
   */
  readonly allowScripting: boolean;
  /** `redisAclRules`: rules added to each user's on the Redis nodes, checked. Default none. */
  readonly aclRules: AclExtraRules;
  /**
   * A docker-registry Secret the stack creates from `redisImagePullSecret` (a secret), named in
   * the chart's `global.imagePullSecrets`: for a private mirror or a commercial source.
   */
  readonly imagePullSecret: boolean;
  /**
   * Clients, replication and Sentinel over TLS only (`redisTls`): the chart's `tls.*` with
   * certificates it generates once and keeps (`lookup`), plaintext port 0.
   */
  readonly tls: boolean;
  /**
   * Your own server certificate and CA (`redisTlsCertificate`, `redisTlsCaCertificate`, PEM),
   * checked with the private key (`redisTlsPrivateKey`, which reaches the program as a secret
   * only). Undefined: the chart generates them.
   */
  readonly tlsCertificates?: { readonly certificate: string; readonly caCertificate: string };
  /** Namespaces whose labelled pods may reach Redis and Sentinel (the release's own always may). */
  readonly allowedNamespaces: readonly string[];
  /** The pod label (key and value) a client needs to pass the NetworkPolicy. */
  readonly clientLabel: { readonly key: string; readonly value: string };
  readonly resources: ContainerResources;
  readonly sentinelResources: ContainerResources;
}

export interface CleanupConfig {
  readonly volumeMode: VolumeCleanupMode;
  /** Upper bound for each wait of the destroy hook (PVs gone, volumes detached, snapshots). */
  readonly timeoutSeconds: number;
}

export interface StackConfig {
  readonly mode: DeploymentMode;
  readonly region: string;
  /**
   * `<organization>/<project>/<stack>`: the stack's name, the readable start of the stack tag
   * (the tag itself adds the stack's random id, kept in the state: `components/stackIdentity.ts`).
   */
  readonly stackName: string;
  /** The user's tags, for every AWS resource (provider `defaultTags`, with the stack tag). */
  readonly tags: Readonly<Record<string, string>>;
  readonly network: NetworkConfig;
  readonly cluster: ClusterConfig;
  readonly loadBalancer: LoadBalancerConfig;
  readonly redis: RedisConfig;
  readonly cleanup: CleanupConfig;
  /**
   * Pulumi `protect` on the data's resources (the release, its namespace and password, the
   * destroy hook): `andyredis:protectData`, by default on for production-like stack names.
   */
  readonly protectData: boolean;
  /**
   * `clusterOnly` mode: where the existing cluster is. The kubeconfig itself (content, or a file
   * path) is required, checked by the parser, and stays a Pulumi secret
   * (`andyredis:kubeconfig`); `context` picks one of its contexts (checked to exist).
   */
  readonly existingCluster?: { readonly context?: string };
}
