/**
 * The stack config as a user meets it: stack-file values (as YAML gives them) plus the defaults
 * Pulumi.yaml declares, handed over as the real engine does. Every bad config is checked through
 * `readEngineConfig` (what `loadConfig` runs on the runtime's config) for a line naming the key;
 * a sample of them, and every valid edge case, through `index.ts` itself, which must refuse a bad
 * config before it registers any resource.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as tar from "tar";
import { REFERENCE_CHART } from "../helpers/paths";
import {
  BUILD_TIMEOUT_MS,
  ProgramRun,
  runIndex,
  STACK_CONTEXT,
  TEST_API_CIDRS,
} from "../helpers/program";
import { readEngineConfig } from "../../lib/config/io/loadConfig";
import {
  ALL_KEYS,
  declaredDefaultText,
  NAMESPACE,
  protectDataByDefault,
  SECRET_KEYS,
  specOf,
} from "../../lib/config/keys";
import { StackConfig } from "../../lib/config/configTypes";
import { ConfigError } from "../../lib/config/parse";
import { PROJECT_DIR } from "../helpers/paths";

/** A stack file's `config:` values, keys without the namespace, values as YAML parses them. */
type StackValues = Record<string, unknown>;

interface Stack {
  readonly config?: StackValues;
  /** Values set with `--secret`. */
  readonly secrets?: Record<string, string>;
  /** `aws:region`. */
  readonly awsRegion?: string;
}

/** The text the engine hands the program for a stack-file value. */
function engineText(value: unknown): string {
  return typeof value === "string"
    ? value
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
}

/** The runtime config the engine would set: Pulumi.yaml's defaults, then the stack's values. */
function engineConfig(stack: Stack): { values: Record<string, string>; secretKeys: string[] } {
  const values: Record<string, string> = {};
  for (const key of ALL_KEYS) values[`${NAMESPACE}:${key}`] = declaredDefaultText(key);
  // An aws stack needs an API allow-list (no default); a test that sets the key sees its own.
  const given = { ...stack.config, ...stack.secrets };
  if (
    given.mode !== "clusterOnly" &&
    given.apiEndpointPublic !== false &&
    !("apiPublicAccessCidrs" in given)
  ) {
    given.apiPublicAccessCidrs = TEST_API_CIDRS;
  }
  for (const [key, value] of Object.entries(given)) {
    values[`${NAMESPACE}:${key}`] = engineText(value);
  }
  if (stack.awsRegion !== undefined) values["aws:region"] = stack.awsRegion;
  const secretKeys = Object.keys(stack.secrets ?? {}).map((key) => `${NAMESPACE}:${key}`);
  return { values, secretKeys };
}

/** What `loadConfig` makes of the stack's config: the config, or what it threw. */
function readStack(stack: Stack): { config?: StackConfig; error?: unknown } {
  const { values, secretKeys } = engineConfig(stack);
  try {
    const { config } = readEngineConfig({
      values,
      isSecret: (key) => secretKeys.includes(key),
      ...STACK_CONTEXT,
    });
    return { config };
  } catch (error) {
    return { error };
  }
}

/** Runs `index.ts` with the stack's config, as the engine does. */
function runProgram(stack: Stack): Promise<ProgramRun> {
  const { values, secretKeys } = engineConfig(stack);
  return runIndex(values, secretKeys);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-config-"));
const KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "current-context: kind-andyredis",
  "clusters: [{name: kind, cluster: {server: 'https://127.0.0.1:6443'}}]",
  "users: [{name: kind, user: {token: not-a-real-token}}]",
  "contexts: [{name: kind-andyredis, context: {cluster: kind, user: kind}}, {name: other, context: {cluster: kind, user: kind}}]",
].join("\n");
const kubeconfigFile = path.join(tmp, "kubeconfig");
fs.writeFileSync(kubeconfigFile, KUBECONFIG);
const notAChart = path.join(tmp, "notes.txt");
fs.writeFileSync(notAChart, "not a chart\n");
const valkeyChart = path.join(tmp, "valkey");
fs.mkdirSync(valkeyChart);
fs.writeFileSync(
  path.join(valkeyChart, "Chart.yaml"),
  "apiVersion: v2\nname: valkey\nversion: 23.1.1\n",
);
const redisChartDir = path.join(tmp, "unpacked");
fs.mkdirSync(redisChartDir);
tar.x({ file: REFERENCE_CHART, cwd: redisChartDir, sync: true });

// Root-level: the fixtures serve both suites below.
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CLUSTER_ONLY: Stack = {
  config: { mode: "clusterOnly" },
  secrets: { kubeconfig: KUBECONFIG },
};
const clusterOnly = (config: StackValues, secrets: Record<string, string> = {}): Stack => ({
  config: { ...CLUSTER_ONLY.config, ...config },
  secrets: { ...CLUSTER_ONLY.secrets, ...secrets },
});

interface BadCase {
  readonly name: string;
  readonly stack: Stack;
  /** The key a line must name (`andyredis:<key>: ...`). */
  readonly key: string;
  /** What that line must say. */
  readonly says?: RegExp;
  /** Keys no line may name (not the user's doing). */
  readonly notKeys?: readonly string[];
}

const bad: BadCase[] = [
  // General.
  {
    name: "an unknown mode",
    stack: { config: { mode: "gke" } },
    key: "mode",
    says: /"gke" is not allowed; use one of: aws, clusterOnly$/,
  },
  { name: "a mode in capitals", stack: { config: { mode: "AWS" } }, key: "mode" },
  {
    name: "an empty mode",
    stack: { config: { mode: "" } },
    key: "mode",
    says: /is empty; use one of: aws, clusterOnly, or remove the key/,
  },
  {
    name: "a region name in words",
    stack: { config: { region: "seoul" } },
    key: "region",
    says: /"seoul" is not allowed/,
  },
  {
    name: "a region of no partition",
    stack: { config: { region: "zz-nowhere-9" } },
    key: "region",
    says: /AWS provider's list.*allowUnlistedRegion/,
  },
  {
    name: "a well-formed region AWS does not have",
    stack: { config: { region: "us-east-99" } },
    key: "region",
  },
  {
    name: "a malformed region even when unlisted ones are allowed",
    stack: { config: { region: "not a region", allowUnlistedRegion: true } },
    key: "region",
  },
  {
    name: "allowUnlistedRegion as yes",
    stack: { config: { allowUnlistedRegion: "yes" } },
    key: "allowUnlistedRegion",
    says: /use one of: true, false/,
  },
  {
    name: "a bad aws:region when region is unset",
    stack: { awsRegion: "mars-north-1" },
    key: "region",
    says: /is not set, and aws:region "mars-north-1" is not allowed/,
  },
  {
    name: "tags as a list",
    stack: { config: { tags: ["team"] } },
    key: "tags",
    says: /must be a map of string keys to string values/,
  },
  {
    name: "tags as a string",
    stack: { config: { tags: "team=platform" } },
    key: "tags",
    says: /is not a map/,
  },
  { name: "a tag with a number value", stack: { config: { tags: { team: 5 } } }, key: "tags" },
  {
    name: "the stack tag in the user's tags",
    stack: { config: { tags: { "andyredis/stack": "x" } } },
    key: "tags.andyredis/stack",
    says: /cleanup depends on it/,
  },
  {
    name: "a Kubernetes cluster tag in the user's tags",
    stack: { config: { tags: { "kubernetes.io/cluster/andyredis-dev": "owned" } } },
    key: "tags.kubernetes.io/cluster/andyredis-dev",
    says: /destroy hook deletes load balancers/,
  },
  {
    name: "another cluster's tag in the user's tags",
    stack: { config: { tags: { "Kubernetes.io/Cluster/other": "shared" } } },
    key: "tags.Kubernetes.io/Cluster/other",
  },
  {
    name: "an aws: tag",
    stack: { config: { tags: { "aws:createdBy": "me" } } },
    key: "tags.aws:createdBy",
    says: /reserved by AWS/,
  },
  {
    name: "a load balancer controller tag",
    stack: { config: { tags: { "elbv2.k8s.aws/cluster": "x" } } },
    key: "tags.elbv2.k8s.aws/cluster",
  },
  {
    name: "a CSI PVC tag",
    stack: { config: { tags: { "kubernetes.io/created-for/pvc/name": "x" } } },
    key: "tags.kubernetes.io/created-for/pvc/name",
  },
  {
    name: "a hook tag",
    stack: { config: { tags: { "andyredis/cleanup": "x" } } },
    key: "tags.andyredis/cleanup",
  },
  // Network.
  {
    name: "a misaligned VPC CIDR",
    stack: { config: { vpcCidr: "10.107.0.1/16" } },
    key: "vpcCidr",
    says: /did you mean "10.107.0.0\/16"/,
  },
  {
    name: "a VPC larger than /16",
    stack: { config: { vpcCidr: "10.0.0.0/8" } },
    key: "vpcCidr",
    says: /from \/16 to \/28/,
  },
  {
    name: "a VPC CIDR with an octet over 255",
    stack: { config: { vpcCidr: "999.0.0.0/16" } },
    key: "vpcCidr",
  },
  {
    name: "a subnet outside the VPC",
    stack: { config: { publicSubnetCidrs: ["10.108.1.0/24", "10.107.86.0/24", "10.107.87.0/24"] } },
    key: "publicSubnetCidrs[0]",
    says: /not inside the VPC CIDR/,
  },
  {
    name: "overlapping subnets",
    stack: {
      config: { privateSubnetCidrs: ["10.107.85.0/25", "10.107.89.0/24", "10.107.80.0/24"] },
    },
    key: "privateSubnetCidrs[0]",
    says: /overlaps publicSubnetCidrs\[0\]/,
  },
  {
    name: "fewer subnets than zones",
    stack: { config: { publicSubnetCidrs: ["10.107.85.0/24", "10.107.86.0/24"] } },
    key: "publicSubnetCidrs",
    says: /lists 2 CIDRs for 3 zones/,
  },
  {
    name: "a subnet list given as one string",
    stack: { config: { privateSubnetCidrs: "10.107.88.0/24" } },
    key: "privateSubnetCidrs",
    says: /is not a list/,
  },
  {
    name: "a subnet smaller than /28",
    stack: {
      config: { publicSubnetCidrs: ["10.107.85.0/29", "10.107.86.0/24", "10.107.87.0/24"] },
    },
    key: "publicSubnetCidrs[0]",
  },
  { name: "zones in words", stack: { config: { zoneCount: "three" } }, key: "zoneCount" },
  { name: "a fractional zone count", stack: { config: { zoneCount: 2.5 } }, key: "zoneCount" },
  {
    name: "an unknown NAT mode",
    stack: { config: { natMode: "none" } },
    key: "natMode",
    says: /use one of: single, perZone$/,
  },
  // Cluster.
  {
    name: "a cluster name starting with a dash",
    stack: { config: { clusterName: "-bad" } },
    key: "clusterName",
  },
  {
    name: "a cluster name of 101 characters",
    stack: { config: { clusterName: "a".repeat(101) } },
    key: "clusterName",
  },
  {
    name: "an unquoted Kubernetes version 1.30",
    stack: { config: { kubernetesVersion: 1.3 } },
    key: "kubernetesVersion",
    says: /unquoted 1\.30; quote it/,
  },
  {
    name: "an unsupported Kubernetes version",
    stack: { config: { kubernetesVersion: "1.20" } },
    key: "kubernetesVersion",
    says: /from "1.28" to "1.39"/,
  },
  {
    name: "a Kubernetes version with a v",
    stack: { config: { kubernetesVersion: "v1.35" } },
    key: "kubernetesVersion",
  },
  {
    name: "an instance type in capitals",
    stack: { config: { nodeInstanceType: "M7I.LARGE" } },
    key: "nodeInstanceType",
  },
  {
    name: "min above desired",
    stack: { config: { nodeMinSize: 4 } },
    key: "nodeMinSize",
    says: /^andyredis:nodeMinSize: 4 is not allowed; use at most nodeDesiredSize \(3\)$/,
  },
  {
    name: "desired above max",
    stack: { config: { nodeDesiredSize: 7 } },
    key: "nodeDesiredSize",
    says: /7 is not allowed; use at most nodeMaxSize \(6\)/,
  },
  {
    name: "max below desired",
    stack: { config: { nodeMaxSize: 2 } },
    key: "nodeMaxSize",
    says: /2 is not allowed; use at least nodeDesiredSize \(3\)/,
  },
  {
    name: "fewer nodes than Redis nodes",
    stack: { config: { nodeMinSize: 2, nodeDesiredSize: 2 } },
    key: "nodeMinSize",
    says: /use at least redisNodes \(3\)/,
  },
  {
    name: "more Redis nodes than nodes",
    stack: { config: { redisNodes: 5, sentinelQuorum: 3 } },
    key: "redisNodes",
    says: /5 is not allowed; use at most nodeMinSize \(3\)/,
  },
  {
    name: "a node disk under 20 GiB",
    stack: { config: { nodeDiskSizeGiB: 10 } },
    key: "nodeDiskSizeGiB",
    says: /from 20 to 16384/,
  },
  {
    name: "a node disk over 16 TiB",
    stack: { config: { nodeDiskSizeGiB: 20000 } },
    key: "nodeDiskSizeGiB",
    says: /from 20 to 16384/,
  },
  {
    name: "an admin that is not an ARN",
    stack: { config: { clusterAdmins: ["alice"] } },
    key: "clusterAdmins[0]",
    says: /IAM role or user ARN/,
  },
  {
    name: "admins as one string",
    stack: { config: { clusterAdmins: "arn:aws:iam::123456789012:role/admin" } },
    key: "clusterAdmins",
  },
  {
    name: "an API CIDR with an octet over 255",
    stack: { config: { apiPublicAccessCidrs: ["999.0.0.0/8"] } },
    key: "apiPublicAccessCidrs[0]",
  },
  {
    name: "an unaligned API CIDR",
    stack: { config: { apiPublicAccessCidrs: ["203.0.113.5/24"] } },
    key: "apiPublicAccessCidrs[0]",
    says: /did you mean "203.0.113.0\/24"/,
  },
  {
    name: "no API CIDR",
    stack: { config: { apiPublicAccessCidrs: [] } },
    key: "apiPublicAccessCidrs",
    says: /at least one CIDR/,
  },
  {
    name: "an aws stack without an API allow-list",
    stack: { config: { apiPublicAccessCidrs: "" } },
    key: "apiPublicAccessCidrs",
    says: /is required in aws mode: list who may reach the Kubernetes API.*apiEndpointPublic to false/,
  },
  {
    name: "the API open to 0.0.0.0/0 without the opt-in",
    stack: { config: { apiPublicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"] } },
    key: "apiPublicAccessCidrs[1]",
    says: /"0.0.0.0\/0" opens the Kubernetes API to the whole internet.*apiPublicAccessAllowAnywhere to true/,
    notKeys: ["apiPublicAccessCidrs[0]"],
  },
  {
    name: "an API allow-list for a private-only endpoint",
    stack: { config: { apiEndpointPublic: false, apiPublicAccessCidrs: ["203.0.113.0/24"] } },
    key: "apiPublicAccessCidrs",
    says: /applies only to a public endpoint, and apiEndpointPublic is false/,
  },
  {
    name: "apiEndpointPublic as private",
    stack: { config: { apiEndpointPublic: "private" } },
    key: "apiEndpointPublic",
    says: /use one of: true, false/,
  },
  {
    name: "a KMS key ARN of the wrong form",
    stack: { config: { secretsEncryptionKey: "arn:aws:kms:ap-northeast-2:123:key/nope" } },
    key: "secretsEncryptionKey",
    says: /"arn:aws:kms:ap-northeast-2:123:key\/nope" is not a KMS key ARN; use none, create, or a key ARN/,
  },
  {
    name: "a KMS key of another region",
    stack: {
      config: {
        secretsEncryptionKey:
          "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
    },
    key: "secretsEncryptionKey",
    says: /is a key in us-east-1, and the stack's region is ap-northeast-2/,
  },
  {
    name: "a KMS alias instead of a key",
    stack: {
      config: { secretsEncryptionKey: "arn:aws:kms:ap-northeast-2:123456789012:alias/eks" },
    },
    key: "secretsEncryptionKey",
    says: /is an alias; EKS needs the key's own ARN/,
  },
  {
    name: "an unknown control-plane log type",
    stack: { config: { clusterLogTypes: ["api", "kubelet"] } },
    key: "clusterLogTypes[1]",
    says: /"kubelet" is not allowed; use one or more of api, audit, authenticator, controllerManager, scheduler/,
  },
  {
    name: "a control-plane log type twice",
    stack: { config: { clusterLogTypes: ["api", "api"] } },
    key: "clusterLogTypes[1]",
    says: /"api" is not allowed twice/,
  },
  {
    name: "control-plane logging turned off",
    stack: { config: { clusterLogTypes: [] } },
    key: "clusterLogTypes",
    says: /cannot be turned off/,
  },
  {
    name: "a log retention CloudWatch does not offer",
    stack: { config: { clusterLogRetentionDays: 100 } },
    key: "clusterLogRetentionDays",
    says: /"100" is not allowed; use one of the periods CloudWatch Logs accepts: 1, 3/,
  },
  {
    name: "an ALB CIDR without a prefix",
    stack: { config: { albIngressCidrs: ["0.0.0.0"] } },
    key: "albIngressCidrs[0]",
  },
  {
    name: "an ALB CIDR with prefix 33",
    stack: { config: { albIngressCidrs: ["10.0.0.0/33"] } },
    key: "albIngressCidrs[0]",
  },
  {
    name: "an unaligned ALB CIDR",
    stack: { config: { albIngressCidrs: ["10.1.2.3/16"] } },
    key: "albIngressCidrs[0]",
  },
  {
    name: "a malformed domain",
    stack: { config: { domainName: "Example..com" } },
    key: "domainName",
    says: /lower-case DNS domain/,
  },
  {
    name: "a wildcard domain",
    stack: { config: { domainName: "*.example.com" } },
    key: "domainName",
  },
  {
    name: "a target port outside the NodePort range",
    stack: { config: { albTargetPort: 8080 } },
    key: "albTargetPort",
    says: /from 30000 to 32767$/,
  },
  {
    name: "a target port above the NodePort range",
    stack: { config: { albTargetPort: 40000 } },
    key: "albTargetPort",
    says: /from 30000 to 32767$/,
  },
  // Redis.
  {
    name: "a namespace in capitals",
    stack: { config: { redisNamespace: "Redis" } },
    key: "redisNamespace",
  },
  {
    name: "an empty namespace",
    stack: { config: { redisNamespace: "" } },
    key: "redisNamespace",
    says: /is empty; .*default redis$/,
  },
  {
    name: "a release name starting with a digit",
    stack: { config: { redisReleaseName: "1redis" } },
    key: "redisReleaseName",
    says: /1-47 lower-case letters/,
  },
  {
    name: "an upper-case release name",
    stack: { config: { redisReleaseName: "Redis" } },
    key: "redisReleaseName",
    says: /"Redis" is not allowed; use 1-47 lower-case letters/,
  },
  {
    name: "a release name of 48 characters",
    stack: { config: { redisReleaseName: "r".repeat(48) } },
    key: "redisReleaseName",
  },
  {
    name: "an empty chart",
    stack: { config: { redisChart: "" } },
    key: "redisChart",
    says: /is empty/,
  },
  {
    name: "a chart over ftp",
    stack: { config: { redisChart: "ftp://charts.example.com/redis" } },
    key: "redisChart",
  },
  {
    name: "a chart file that does not exist",
    stack: { config: { redisChart: path.join(tmp, "missing-23.1.1.tgz") } },
    key: "redisChart",
    says: /nor an existing file or directory/,
  },
  {
    name: "a chart directory of another chart",
    stack: { config: { redisChart: valkeyChart } },
    key: "redisChart",
    says: /holds the chart "valkey"/,
  },
  {
    name: "a chart archive at another version",
    stack: { config: { redisChart: REFERENCE_CHART, redisChartVersion: "23.2.0" } },
    key: "redisChart",
    says: /holds redis chart 23\.1\.1, not 23\.2\.0/,
  },
  {
    name: "a chart path that is not an archive",
    stack: { config: { redisChart: notAChart } },
    key: "redisChart",
    says: /is not a chart archive/,
  },
  {
    name: "a directory without a Chart.yaml",
    stack: { config: { redisChart: tmp } },
    key: "redisChart",
    says: /no Chart.yaml/,
  },
  {
    name: "a chart version that is a word",
    stack: { config: { redisChartVersion: "latest" } },
    key: "redisChartVersion",
  },
  {
    name: "an unquoted chart version",
    stack: { config: { redisChartVersion: 23.1 } },
    key: "redisChartVersion",
  },
  {
    name: "a registry with a scheme",
    stack: { config: { redisImageRegistry: "https://mirror.example.com" } },
    key: "redisImageRegistry",
  },
  {
    name: "an image of no chart",
    stack: { config: { redisImages: { valkey: "a/b:1" } } },
    key: "redisImages.valkey",
    says: /use one of: redis, sentinel, metrics, osShell, kubectl$/,
  },
  {
    name: "an image with a malformed digest",
    stack: { config: { redisImages: { redis: "docker.io/bitnamilegacy/redis@sha256:abc" } } },
    key: "redisImages.redis",
    says: /has a malformed digest "sha256:abc"; use registry\/repository:tag, registry\/repository@sha256:<64 hex digits>, or both/,
  },
  {
    name: "an image digest of another algorithm",
    stack: {
      config: {
        redisImages: { sentinel: `bitnamilegacy/redis-sentinel:8.2.2@md5:${"a".repeat(32)}` },
      },
    },
    key: "redisImages.sentinel",
    says: /malformed digest/,
  },
  {
    name: "an image pull secret that is not a docker config",
    stack: { secrets: { redisImagePullSecret: "user:password" } },
    key: "redisImagePullSecret",
    says: /use a docker config JSON with at least one registry under "auths"/,
  },
  {
    name: "an image that is a number",
    stack: { config: { redisImages: { redis: 5 } } },
    key: "redisImages.redis",
  },
  {
    name: "images as a string",
    stack: { config: { redisImages: "redis=mirror/redis:8" } },
    key: "redisImages",
  },
  {
    name: "an empty Redis node count",
    stack: { config: { redisNodes: "" } },
    key: "redisNodes",
    says: /is empty/,
  },
  {
    name: "a short password",
    stack: { secrets: { redisPassword: "short" } },
    key: "redisPassword",
    says: /at least 16 printable ASCII characters/,
  },
  {
    name: "a password with spaces",
    stack: { secrets: { redisPassword: "has spaces in it, sixteen+" } },
    key: "redisPassword",
  },
  {
    name: "a password with a quote",
    stack: { secrets: { redisPassword: 'quote"inside-sixteen-chars' } },
    key: "redisPassword",
  },
  {
    name: "a password in plain text",
    stack: { config: { redisPassword: "a-long-enough-password-0123" } },
    key: "redisPassword",
    says: /is set in plain text/,
  },
  {
    name: "an ACL rule that would lock out the sentinels",
    stack: { config: { redisAclRules: JSON.stringify({ default: ["-info"] }) } },
    key: "redisAclRules.default[0]",
    says: /"-info" would lock out the sentinels and the replicas: they authenticate as default/,
  },
  {
    name: "an ACL rule that takes a whole category from the internal user",
    stack: { config: { redisAclRules: JSON.stringify({ default: ["+ping", "-@connection"] }) } },
    key: "redisAclRules.default[1]",
    says: /would lock out the sentinels/,
  },
  {
    name: "an ACL rule that gives the app user Lua",
    stack: { config: { redisAclRules: JSON.stringify({ app: ["+eval"] }) } },
    key: "redisAclRules.app[0]",
    says: /gives the app user Lua; set andyredis:redisAllowScripting instead/,
  },
  {
    name: "an ACL rule that hands CONFIG back to the app user",
    stack: {
      config: { redisAclRules: JSON.stringify({ app: ["resetkeys", "~cache:*", "+config|set"] }) },
    },
    key: "redisAclRules.app[2]",
    says: /gives the app user what the stack takes from it/,
  },
  {
    name: "a key pattern for the app user without resetkeys (Redis would not start)",
    stack: { config: { redisAclRules: JSON.stringify({ app: ["~cache:*"] }) } },
    key: "redisAclRules.app[0]",
    says: /comes after the app user's ~\* and Redis would refuse to start; put "resetkeys" before it/,
  },
  {
    name: "an ACL rule that sets a password",
    stack: { config: { redisAclRules: JSON.stringify({ operator: [">hunter2hunter2"] }) } },
    key: "redisAclRules.operator[0]",
    says: /sets a password or turns the user on or off; the stack manages those/,
  },
  {
    name: "ACL rules for a user the stack does not have",
    stack: { config: { redisAclRules: JSON.stringify({ admin: ["+@all"] }) } },
    key: "redisAclRules.admin",
    says: /use one of default, app, operator/,
  },
  {
    name: "an ACL rule that is not a rule",
    stack: { config: { redisAclRules: JSON.stringify({ app: ["+get extra"] }) } },
    key: "redisAclRules.app[0]",
    says: /is not a rule this key takes; use \+<command>/,
  },
  {
    name: "a previous password the same as the new one",
    stack: {
      secrets: {
        redisPassword: "the-new-password-0123456789",
        redisPasswordPrevious: "the-new-password-0123456789",
      },
    },
    key: "redisPasswordPrevious",
    says: /is the same as redisPassword/,
  },
  {
    name: "a short previous password",
    stack: { secrets: { redisPasswordPrevious: "short" } },
    key: "redisPasswordPrevious",
    says: /at least 16 printable ASCII characters/,
  },
  {
    name: "a previous password in plain text",
    stack: { config: { redisPasswordPrevious: "the-old-password-0123456789" } },
    key: "redisPasswordPrevious",
    says: /is set in plain text/,
  },
  {
    name: "a master set with a space",
    stack: { config: { redisMasterSet: "my master" } },
    key: "redisMasterSet",
  },
  {
    name: "a quorum below a majority",
    stack: { config: { sentinelQuorum: 1 } },
    key: "sentinelQuorum",
    says: /1 is not allowed with redisNodes 3; use an integer from 2 \(a majority\) to 3$/,
  },
  {
    name: "a quorum above the sentinels",
    stack: { config: { sentinelQuorum: 4 } },
    key: "sentinelQuorum",
    says: /4 is not allowed with redisNodes 3; use an integer from 2 \(a majority\) to 3$/,
  },
  {
    name: "a quorum that is no majority of 5",
    stack: { config: { redisNodes: 5, nodeMinSize: 5, nodeDesiredSize: 5, sentinelQuorum: 2 } },
    key: "sentinelQuorum",
    says: /from 3 \(a majority\) to 5/,
  },
  {
    name: "down-after under a second",
    stack: { config: { sentinelDownAfterMs: 500 } },
    key: "sentinelDownAfterMs",
    says: /"500" is not allowed; use an integer from 1000 to 2000$/,
  },
  {
    name: "down-after of 10 minutes",
    stack: { config: { sentinelDownAfterMs: 600000 } },
    key: "sentinelDownAfterMs",
    says: /"600000" is not allowed; use an integer from 1000 to 2000$/,
    notKeys: ["sentinelFailoverTimeoutMs"],
  },
  {
    name: "a failover timeout not above down-after",
    stack: { config: { sentinelFailoverTimeoutMs: 2000 } },
    key: "sentinelFailoverTimeoutMs",
    says: /use more than sentinelDownAfterMs \(2000\)/,
  },
  {
    name: "a failover timeout over an hour",
    stack: { config: { sentinelFailoverTimeoutMs: 4000000 } },
    key: "sentinelFailoverTimeoutMs",
    says: /more than sentinelDownAfterMs, up to 3600000/,
  },
  {
    name: "min-replicas-to-write of every replica",
    stack: { config: { redisMinReplicasToWrite: 2 } },
    key: "redisMinReplicasToWrite",
    says: /from 0 to 1/,
  },
  {
    name: "a negative min-replicas-to-write",
    stack: { config: { redisMinReplicasToWrite: -1 } },
    key: "redisMinReplicasToWrite",
    says: /from 0 to 1/,
  },
  {
    name: "a size in GB",
    stack: { config: { redisPersistenceSize: "8GB" } },
    key: "redisPersistenceSize",
    says: /from 1Gi to 16Ti/,
  },
  {
    name: "a size EBS cannot make",
    stack: { config: { redisPersistenceSize: "999999Ti" } },
    key: "redisPersistenceSize",
    says: /from 1Gi to 16Ti/,
  },
  {
    name: "a size under 1 GiB",
    stack: { config: { redisPersistenceSize: "512Mi" } },
    key: "redisPersistenceSize",
  },
  {
    name: "a storage class in capitals",
    stack: { config: { redisStorageClass: "GP3" } },
    key: "redisStorageClass",
  },
  {
    name: "a boolean that is yes",
    stack: { config: { redisMasterService: "yes" } },
    key: "redisMasterService",
    says: /use one of: true, false$/,
  },
  {
    name: "a boolean that is 1",
    stack: { config: { redisServiceMonitor: 1 } },
    key: "redisServiceMonitor",
  },
  {
    name: "a namespace name with an underscore",
    stack: { config: { redisAllowedNamespaces: ["Bad_NS"] } },
    key: "redisAllowedNamespaces[0]",
  },
  {
    name: "a client label without a value",
    stack: { config: { redisClientLabel: "no-value" } },
    key: "redisClientLabel",
    says: /use key=value/,
  },
  {
    name: "a memory limit in words",
    stack: { config: { redisResources: { limits: { memory: "lots" } } } },
    key: "redisResources.limits.memory",
  },
  {
    name: "a memory request above the limit",
    stack: { config: { redisResources: { requests: { memory: "4Gi" } } } },
    key: "redisResources.requests.memory",
    says: /at most the limit "3Gi"/,
  },
  {
    name: "a misspelt resources field",
    stack: { config: { redisResources: { limit: { memory: "4Gi" } } } },
    key: "redisResources.limit",
    says: /is not a field/,
  },
  {
    name: "a memory limit too small for maxmemory",
    stack: {
      config: { redisResources: { requests: { memory: "64Ki" }, limits: { memory: "100Ki" } } },
    },
    key: "redisResources.limits.memory",
    says: /at least 1Mi/,
  },
  {
    name: "a sentinel CPU request in words",
    stack: { config: { sentinelResources: { requests: { cpu: "fast" } } } },
    key: "sentinelResources.requests.cpu",
  },
  {
    name: "resources as a list",
    stack: { config: { sentinelResources: ["100m"] } },
    key: "sentinelResources",
    says: /must be a map/,
  },
  // Destroy.
  {
    name: "an unknown cleanup mode",
    stack: { config: { volumeCleanupMode: "keep" } },
    key: "volumeCleanupMode",
    says: /use one of: delete, snapshot, retain$/,
  },
  {
    name: "a cleanup timeout under 30 s",
    stack: { config: { cleanupTimeoutSeconds: 10 } },
    key: "cleanupTimeoutSeconds",
  },
  // Cluster-only mode.
  {
    name: "clusterOnly without a kubeconfig",
    stack: { config: { mode: "clusterOnly" } },
    key: "kubeconfig",
    says: /is required in clusterOnly mode/,
  },
  {
    name: "clusterOnly with a kubeconfig that is not one",
    stack: clusterOnly({}, { kubeconfig: "not a kubeconfig" }),
    key: "kubeconfig",
    says: /neither kubeconfig YAML\/JSON nor the path of an existing file/,
  },
  {
    name: "clusterOnly with a kubeconfig file that does not exist",
    stack: clusterOnly({}, { kubeconfig: path.join(tmp, "no-such-kubeconfig") }),
    key: "kubeconfig",
  },
  {
    name: "clusterOnly with YAML that is no kubeconfig",
    stack: clusterOnly({}, { kubeconfig: "foo: bar\nbaz: 1\n" }),
    key: "kubeconfig",
  },
  {
    name: "clusterOnly with a file that is no kubeconfig",
    stack: clusterOnly({}, { kubeconfig: notAChart }),
    key: "kubeconfig",
    says: /names a file that is not a kubeconfig/,
  },
  {
    name: "clusterOnly with a context the kubeconfig lacks",
    stack: clusterOnly({ kubeContext: "prod" }),
    key: "kubeContext",
    says: /"prod" is not a context of andyredis:kubeconfig; use one of: kind-andyredis, other$/,
  },
  {
    name: "clusterOnly with a kubeconfig in plain text",
    stack: { config: { mode: "clusterOnly", kubeconfig: KUBECONFIG } },
    key: "kubeconfig",
    says: /is set in plain text/,
  },
  {
    name: "clusterOnly with natMode",
    stack: clusterOnly({ natMode: "perZone" }),
    key: "natMode",
    says: /applies only in aws mode, and this stack's mode is clusterOnly; remove it/,
  },
  {
    name: "clusterOnly with a domain",
    stack: clusterOnly({ domainName: "example.com" }),
    key: "domainName",
    says: /applies only in aws mode/,
  },
  {
    name: "clusterOnly with a node type",
    stack: clusterOnly({ nodeInstanceType: "m7i.large" }),
    key: "nodeInstanceType",
    says: /applies only in aws mode/,
  },
  {
    name: "clusterOnly with VPC keys",
    stack: clusterOnly({ vpcCidr: "10.0.0.0/16" }),
    key: "vpcCidr",
    says: /applies only in aws mode/,
  },
  {
    name: "clusterOnly with a region",
    stack: clusterOnly({ region: "us-east-1" }),
    key: "region",
    says: /applies only in aws mode/,
  },
  {
    name: "clusterOnly with tags",
    stack: clusterOnly({ tags: { team: "platform" } }),
    key: "tags",
    says: /applies only in aws mode/,
  },
  {
    name: "clusterOnly with a snapshot cleanup mode",
    stack: clusterOnly({ volumeCleanupMode: "snapshot" }),
    key: "volumeCleanupMode",
    says: /applies only in aws mode/,
  },
  {
    name: "a kubeconfig in aws mode",
    stack: { secrets: { kubeconfig: KUBECONFIG } },
    key: "kubeconfig",
    says: /applies only in clusterOnly mode, and this stack's mode is aws/,
  },
  {
    name: "a kube context in aws mode",
    stack: { config: { kubeContext: "kind" } },
    key: "kubeContext",
    says: /applies only in clusterOnly mode/,
  },
  // Typos.
  {
    name: "a misspelt key",
    stack: { config: { natMdoe: "perZone" } },
    key: "natMdoe",
    says: /is not a key of this project \(did you mean natMode\?\)/,
  },
  {
    name: "a key in the wrong case",
    stack: { config: { vpcCIDR: "10.0.0.0/16" } },
    key: "vpcCIDR",
    says: /is not a key of this project \(did you mean vpcCidr\?\)/,
  },
  {
    name: "a key like no other",
    stack: { config: { somethingElse: "x" } },
    key: "somethingElse",
    says: /is not a key of this project; see Pulumi\.yaml/,
  },
];

/** Asserts that `error` refuses the case's config with one line naming its key. */
function assertRefused(error: unknown, c: BadCase): asserts error is ConfigError {
  assert.ok(error instanceof ConfigError, `not refused (${String(error ?? "accepted")})`);
  const prefix = `${NAMESPACE}:${c.key}: `;
  const lines = error.lines.filter((line) => line.startsWith(prefix));
  assert.equal(lines.length, 1, `expected one line for ${c.key}, got:\n${error.lines.join("\n")}`);
  if (c.says) assert.match(lines[0], c.says);
  for (const key of c.notKeys ?? []) {
    assert.ok(
      !error.lines.some((line) => line.startsWith(`${NAMESPACE}:${key}:`)),
      `${key} was blamed`,
    );
  }
}

/**
 * Every integer key with a fixed range, one below it and one above: generated from the key
 * table, so that a new key or a changed range is tested without a row written by hand. The
 * rows of `bad` are the other values and the rules between keys.
 */
const rangeCases: BadCase[] = ALL_KEYS.flatMap((key) => {
  const spec = specOf(key);
  if (spec.type !== "integer" || spec.min === undefined || spec.max === undefined) return [];
  const { min, max } = spec;
  const stackWith = (value: number): Stack =>
    spec.modes.includes("aws") ? { config: { [key]: value } } : clusterOnly({ [key]: value });
  return [
    { side: "below", value: min - 1 },
    { side: "above", value: max + 1 },
  ].map(({ side, value }) => ({
    name: `${key} ${side} its range (${value})`,
    stack: stackWith(value),
    key,
    says: new RegExp(`"${value}" is not allowed; use an integer from ${min} to ${max}$`),
  }));
});

describe("config: every bad stack config is refused, naming the key", () => {
  const cases = [...bad, ...rangeCases];
  it("has at least 75 cases", () => assert.ok(cases.length >= 75, String(cases.length)));
  it("tests both ends of every fixed range", () => assert.ok(rangeCases.length >= 20));

  for (const c of cases) {
    it(`refuses ${c.name}`, () => assertRefused(readStack(c.stack).error, c));
  }
});

/**
 * Bad cases of each kind: a value, a cross-key rule, a secret's value, a secret in plain text,
 * a file, a key of the other mode, a typo; each alone, so that nothing else is refused with it.
 */
const THROUGH_INDEX = [
  "an unknown mode",
  "a misaligned VPC CIDR",
  "an aws stack without an API allow-list",
  "the API open to 0.0.0.0/0 without the opt-in",
  "a KMS key of another region",
  "min above desired",
  "a short password",
  "a password in plain text",
  "a chart file that does not exist",
  "clusterOnly with natMode",
  "a misspelt key",
];

describe("config: index.ts refuses a bad config before it registers any resource", () => {
  for (const name of THROUGH_INDEX) {
    const c = bad.find((b) => b.name === name);
    it(`refuses ${name}`, async () => {
      assert.ok(c, `no bad case named ${name}`);
      const run = await runProgram(c.stack);
      assertRefused(run.error, c);
      assert.equal(run.exports, undefined);
      assert.deepEqual(
        run.resources.all.map((r) => `${r.type} ${r.name}`),
        [],
        "resources were registered before the refusal",
      );
    });
  }

  it("reports every problem at once, once each, as one clean message", async () => {
    const run = await runProgram({
      config: { natMode: "x", zoneCount: 9, domainName: "bad domain", redisNodes: 2 },
      secrets: { redisPassword: "short" },
    });
    assert.ok(run.error instanceof ConfigError);
    assert.deepEqual(
      run.error.problems.map((p) => p.key),
      ["zoneCount", "natMode", "domainName", "redisNodes", "redisPassword"],
    );
    const message = run.error.message;
    assert.match(message, /^invalid stack configuration \(5 problems\):\n/);
    assert.equal(message.split("\n").length, 6);
    assert.ok(!message.includes("\u001b["), "colour codes in the message");
    assert.ok(!message.includes("short"), "the password is in the message");
    // The runtime prints a RunError's message alone: no stack trace, no dump of its fields.
    assert.ok(pulumi.RunError.isInstance(run.error));
    assert.deepEqual(run.resources.all, []);
  });

  it("prints what the README shows for a refused config", async () => {
    const run = await runProgram(
      clusterOnly(
        { natMode: "perZone", redisNodes: "2", redisPersistenceSize: "999999Ti", natMdoe: "x" },
        { kubeconfig: "not a kubeconfig", redisPassword: "short" },
      ),
    );
    assert.ok(run.error instanceof ConfigError);
    const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
    const shown = readme.slice(readme.indexOf("    error: invalid stack configuration"));
    const block = shown.slice(0, shown.indexOf("```")).trimEnd();
    // The engine prints "error: " before the message and indents it under the stack.
    assert.equal(block, `error: ${run.error.message}`.replace(/^/gm, "    "));
  });

  it("never puts a secret's value in a message", async () => {
    const run = await runProgram(
      clusterOnly({ kubeContext: "prod" }, { redisPassword: "bad password with spaces" }),
    );
    assert.ok(run.error instanceof ConfigError);
    assert.ok(!run.error.message.includes("not-a-real-token"));
    assert.ok(!run.error.message.includes("bad password"));
  });
});

describe("config: the valid edge cases are accepted", function () {
  this.timeout(BUILD_TIMEOUT_MS);
  let run: ProgramRun;

  /** Runs index.ts with the stack's config, which must build; returns the config it read. */
  const accepted = async (stack: Stack): Promise<StackConfig> => {
    run = await runProgram(stack);
    assert.equal(run.error, undefined, run.error instanceof Error ? run.error.message : "");
    assert.ok(run.exports);
    assert.ok(run.resources.all.length > 0);
    const { config, error } = readStack(stack);
    assert.equal(error, undefined);
    assert.ok(config);
    return config;
  };

  it("accepts the defaults (only Pulumi.yaml's declarations)", async () => {
    const config = await accepted({});
    assert.equal(config.region, "ap-northeast-2");
    assert.equal(config.network.zoneCount, 3);
    assert.equal(config.redis.chart, "oci://registry-1.docker.io/bitnamicharts/redis");
  });

  it("accepts 0.0.0.0/0 for the API only when asked for by name", async () => {
    const config = await accepted({
      config: { apiPublicAccessCidrs: ["0.0.0.0/0"], apiPublicAccessAllowAnywhere: true },
    });
    assert.deepEqual(config.cluster.apiPublicAccessCidrs, ["0.0.0.0/0"]);
    assert.equal(config.cluster.apiEndpointPublic, true);
  });

  it("accepts a private-only API endpoint without an allow-list", async () => {
    const config = await accepted({ config: { apiEndpointPublic: false } });
    assert.equal(config.cluster.apiEndpointPublic, false);
    assert.deepEqual(config.cluster.apiPublicAccessCidrs, []);
  });

  it("takes aws:region when andyredis:region is unset", async () => {
    assert.equal((await accepted({ awsRegion: "eu-west-1" })).region, "eu-west-1");
  });

  it("accepts a region newer than the list with allowUnlistedRegion", async () => {
    assert.equal(
      (await accepted({ config: { region: "ap-southeast-9", allowUnlistedRegion: true } })).region,
      "ap-southeast-9",
    );
  });

  it("accepts 2 zones", async () => {
    const config = await accepted({
      config: {
        zoneCount: 2,
        publicSubnetCidrs: ["10.107.85.0/24", "10.107.86.0/24"],
        privateSubnetCidrs: ["10.107.88.0/24", "10.107.89.0/24"],
      },
    });
    assert.equal(config.network.zoneCount, 2);
  });

  it("accepts per-zone NAT and user tags", async () => {
    const config = await accepted({
      config: { natMode: "perZone", tags: { team: "platform", "cost-center": "42" } },
    });
    assert.equal(config.network.natMode, "perZone");
    assert.equal(config.tags.team, "platform");
  });

  it("accepts 9 Redis nodes with the node group and quorum to match", async () => {
    const config = await accepted({
      config: {
        redisNodes: 9,
        nodeMinSize: 9,
        nodeDesiredSize: 9,
        nodeMaxSize: 12,
        sentinelQuorum: 5,
        redisMinReplicasToWrite: 7,
      },
    });
    assert.equal(config.redis.nodes, 9);
  });

  it("accepts snapshot mode", async () => {
    assert.equal(
      (await accepted({ config: { volumeCleanupMode: "snapshot" } })).cleanup.volumeMode,
      "snapshot",
    );
  });

  it("accepts a password given as a secret, and generates none for the app user", async () => {
    await accepted({ secrets: { redisPassword: "correct-horse-battery-staple" } });
    const generated = run.resources
      .ofType("random:index/randomPassword:RandomPassword")
      .map((r) => r.name);
    assert.ok(!generated.includes("redis-app-password"), generated.join(", "));
  });

  it("reads an empty value of a key Pulumi.yaml declares empty as unset", async () => {
    const config = await accepted({
      config: { natMode: "", domainName: "", redisStorageClass: "" },
    });
    assert.equal(config.network.natMode, "single");
    assert.equal(config.loadBalancer.domainName, undefined);
    assert.equal(config.redis.storageClassName, "gp3");
  });

  it("accepts clusterOnly with kubeconfig content", async () => {
    const config = await accepted(clusterOnly({ kubeContext: "other" }));
    assert.deepEqual(config.existingCluster, { context: "other" });
    assert.equal(config.redis.storageClassName, "");
  });

  it("accepts clusterOnly with a kubeconfig path", async () => {
    const config = await accepted(clusterOnly({}, { kubeconfig: kubeconfigFile }));
    assert.equal(config.mode, "clusterOnly");
  });

  it("accepts an HTTPS mirror of the chart", async () => {
    assert.equal(
      (await accepted({ config: { redisChart: "https://charts.example.com/bitnami" } })).redis
        .chart,
      "https://charts.example.com/bitnami",
    );
  });

  it("accepts the local chart archive and gives Helm its path with no repository", async () => {
    const config = await accepted(clusterOnly({ redisChart: REFERENCE_CHART }));
    assert.equal(config.redis.chart, REFERENCE_CHART);
    const release = run.resources.named("kubernetes:helm.sh/v3:Release", "redis-release");
    assert.equal(release.inputs.chart, REFERENCE_CHART);
    assert.equal(release.inputs.repositoryOpts, undefined);
  });

  it("accepts an unpacked chart directory", async () => {
    const dir = path.join(redisChartDir, "redis");
    assert.equal((await accepted(clusterOnly({ redisChart: dir }))).redis.chart, dir);
  });

  it("accepts another chart version, with its warning", async () => {
    assert.equal(
      (await accepted({ config: { redisChartVersion: "23.2.0" } })).redis.chartVersion,
      "23.2.0",
    );
    assert.ok(
      run.warnings.some((w) => /chart version 23\.2\.0 is not 23\.1\.1/.test(w)),
      run.warnings.join("\n"),
    );
  });
});

describe("config: the table's secrets", () => {
  it("are the passwords, the kubeconfig, the image pull credentials and the TLS private key", () => {
    assert.deepEqual([...SECRET_KEYS].sort(), [
      "kubeconfig",
      "redisImagePullSecret",
      "redisPassword",
      "redisPasswordPrevious",
      "redisTlsPrivateKey",
    ]);
  });
});

describe("protectData: on by default for production-like stack names only", () => {
  const protectedFor = (stack: string, config: StackValues = {}): boolean => {
    const { values } = engineConfig({ config });
    return readEngineConfig({ values, ...STACK_CONTEXT, stack }).config.protectData;
  };
  const cases: readonly [string, boolean][] = [
    ["prod", true],
    ["production", true],
    ["Prod-EU", true],
    ["shop-production", true],
    ["eu_prd", true],
    ["live", true],
    ["dev", false],
    ["e2e", false],
    ["ci-1234", false],
    ["product-demo", false],
    ["preprod", false],
    ["livestream", false],
  ];
  for (const [stack, expected] of cases) {
    it(`stack ${stack}: ${expected ? "protected" : "not protected"}`, () => {
      assert.equal(protectDataByDefault(stack), expected);
      assert.equal(protectedFor(stack), expected);
    });
  }

  it("the key overrides the default either way, and refuses anything but true/false", () => {
    assert.equal(protectedFor("prod", { protectData: "false" }), false);
    assert.equal(protectedFor("dev", { protectData: "true" }), true);
    const { values } = engineConfig({ config: { protectData: "yes" } });
    assert.throws(
      () => readEngineConfig({ values, ...STACK_CONTEXT, stack: "prod" }),
      /andyredis:protectData: "yes" is not allowed; use one of: true, false/,
    );
  });
});
