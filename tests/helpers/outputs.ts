/**
 * A stack's outputs as its consumers read them (the Automation API driver, verify and drill
 * `--outputs`, a StackReference), typed from the output contract (lib/contract.ts), so a
 * renamed or retyped output breaks the samples at compile time instead of leaving them stale.
 *
 * The Redis names are the ones the program derives (`redisEndpoints` of the sample Redis
 * config): `sentinelHosts` has one host per node, without a port. The AWS values are
 * placeholders of the right shape.
 */
import { APP_USER } from "../../lib/redis/acl";
import type {
  FoundationOutputs,
  RedisDeploymentMode,
  RedisStackOutputs,
  ReleaseOutputs,
} from "../../lib/contract";
import { CONFIG_KEYS } from "../../lib/config/keys";
import { redisEndpoints } from "../../lib/redis/endpoints";
import { sampleRedisConfig } from "../../lib/redis/sampleConfig";
import { stackTagValue } from "../../lib/tags";

/** The sample's `redisPassword`: distinctive, so a test can look for it where it must not be. */
export const SAMPLE_REDIS_PASSWORD = "s3cret-sample-password";
/** The CA of a stack with TLS (the default). */
export const SAMPLE_CA_CERTIFICATE =
  "-----BEGIN CERTIFICATE-----\nSAMPLECA\n-----END CERTIFICATE-----\n";

/** The sample's `kubeconfig`: a valid, empty one. */
export const SAMPLE_KUBECONFIG =
  "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n";

export interface SampleStack {
  /** `"aws"` (foundation outputs too) or `"clusterOnly"`. Defaults to "clusterOnly". */
  readonly mode?: RedisDeploymentMode;
  /** In `stackTag` and the default cluster name. Defaults to "dev". */
  readonly stack?: string;
  /** In `stackTag`. Defaults to "organization" (Pulumi's name for an individual's account). */
  readonly organization?: string;
  /** Redis nodes, i.e. sentinel hosts. Defaults to 3 (the sample Redis config's). */
  readonly nodes?: number;
  /** AWS region of the foundation. Defaults to the `region` config key's default. */
  readonly region?: string;
}

/** The outputs of the Redis release, present in every mode. */
export function sampleReleaseOutputs(
  sample: SampleStack = {},
  overrides: Partial<ReleaseOutputs> = {},
): ReleaseOutputs {
  const redis = sampleRedisConfig(sample.nodes === undefined ? {} : { nodes: sample.nodes });
  const endpoints = redisEndpoints(redis);
  return {
    kubeconfig: SAMPLE_KUBECONFIG,
    deploymentMode: sample.mode ?? "clusterOnly",
    stackTag: stackTagValue(
      sample.organization ?? "organization",
      "andyredis",
      sample.stack ?? "dev",
    ),
    sentinelEndpoint: endpoints.sentinelEndpoint,
    sentinelHosts: endpoints.sentinelHosts,
    redisMasterSet: redis.tuning.masterSet,
    redisNamespace: redis.namespace,
    redisReleaseName: redis.releaseName,
    redisUsername: APP_USER,
    redisPassword: SAMPLE_REDIS_PASSWORD,
    redisMasterEndpoint: endpoints.masterEndpoint,
    redisCaCertificate: SAMPLE_CA_CERTIFICATE,
    redisClientLabel: redis.clientLabel,
    ...overrides,
  };
}

/** The outputs of the AWS foundation (an `aws` stack without a domain: no `recordSet`). */
export function sampleFoundationOutputs(
  sample: SampleStack = {},
  overrides: Partial<FoundationOutputs> = {},
): FoundationOutputs {
  const region = sample.region ?? String(CONFIG_KEYS.region.default);
  const account = "123456789012";
  return {
    accountId: account,
    callerArn: `arn:aws:iam::${account}:role/ci`,
    callerUser: "AROAEXAMPLEROLEID:ci",
    clusterName: `andyredis-${sample.stack ?? "dev"}`,
    region,
    vpcId: "vpc-0123456789abcdef0",
    vpcCidr: "10.107.0.0/16",
    publicSubnetIds: ["subnet-0a", "subnet-0b", "subnet-0c"],
    publicSubnetCidrs: ["10.107.0.0/24", "10.107.1.0/24", "10.107.2.0/24"],
    privateSubnetIds: ["subnet-1a", "subnet-1b", "subnet-1c"],
    privateSubnetCidrs: ["10.107.64.0/18", "10.107.128.0/18", "10.107.192.0/18"],
    natIps: ["203.0.113.10"],
    nodeSecurityGroupId: "sg-0123456789abcdef0",
    targetGroupArn: `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/andyredis/0123456789abcdef`,
    albDnsName: `andyredis-123456789.${region}.elb.amazonaws.com`,
    efsId: "fs-0123456789abcdef0",
    efsMountTargetIds: ["fsmt-0a", "fsmt-0b", "fsmt-0c"],
    ...overrides,
  };
}

/** A whole stack's outputs: the release's, plus the foundation's in `aws` mode. */
export function sampleOutputs(
  sample: SampleStack = {},
  overrides: Partial<RedisStackOutputs> = {},
): RedisStackOutputs {
  const release = sampleReleaseOutputs(sample);
  const foundation = release.deploymentMode === "aws" ? sampleFoundationOutputs(sample) : {};
  return { ...release, ...foundation, ...overrides };
}
