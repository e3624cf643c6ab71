/**
 * Composes the components for a validated config and returns the stack outputs. `index.ts` calls
 * it with the stack's own config; the program tests call it with others.
 *
 * Only what the mode uses is loaded: `clusterOnly` needs the Kubernetes and random providers'
 * SDKs, while `aws` mode also loads `foundation.ts` (and with it `@pulumi/aws`, `@pulumi/eks`
 * and the AWS SDK clients of the destroy hook), which together take longer to load than the
 * rest of the program.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RedisSentinel, redisSecretArgs } from "./components/redis";
import { StackIdentity } from "./components/stackIdentity";
import type { StackSecrets } from "./lib/config/io/loadConfig";
import { StackConfig } from "./lib/config/configTypes";
import { Exports, RedisStackOutputs, ReleaseOutputs } from "./lib/contract";

/** What the Redis release exports, in every mode; typed by the contract. */
export type ReleaseExports = Exports<ReleaseOutputs>;

/** Every stack export; the foundation's are absent in `clusterOnly` mode. */
export type StackExports = Exports<RedisStackOutputs>;

function redisOutputs(
  config: StackConfig,
  stackTag: pulumi.Output<string>,
  redis: RedisSentinel,
  kubeconfig: pulumi.Output<string>,
): ReleaseExports {
  return {
    deploymentMode: config.mode,
    stackTag,
    kubeconfig: pulumi.secret(kubeconfig),
    sentinelEndpoint: redis.sentinelEndpoint,
    sentinelHosts: redis.sentinelHosts,
    redisMasterSet: redis.masterSet,
    redisNamespace: redis.namespace,
    redisReleaseName: redis.releaseName,
    redisUsername: redis.username,
    redisPassword: redis.password,
    ...(redis.masterEndpoint ? { redisMasterEndpoint: redis.masterEndpoint } : {}),
    ...(redis.caCertificate ? { redisCaCertificate: redis.caCertificate } : {}),
    redisClientLabel: { ...config.redis.clientLabel },
  };
}

/**
 * Builds the whole stack for a validated config and returns its outputs.
 *
 * `aws` mode: the foundation, the destroy hook and the Redis release (`foundation.ts`).
 *
 * `andyredis:protectData` sets Pulumi's `protect` on the Redis component and the hook, and so
 * on every child (children inherit it): the namespace, the password and its Secret, the release,
 * the hook's dynamic resource. `pulumi destroy` then refuses before it deletes any data.
 *
 * `clusterOnly` mode: only the release, on a provider for the configured kubeconfig; no AWS
 * resource, and no hook (the stack did not create the cluster's volumes' driver, so it has no
 * tag to scope a volume deletion by; the chart's PVC retention policy still removes the PVCs).
 */
export async function createStack(
  config: StackConfig,
  secrets: StackSecrets,
): Promise<StackExports> {
  const { stackTag } = new StackIdentity("stack-identity", { stackName: config.stackName });
  if (config.mode === "clusterOnly") {
    if (secrets.kubeconfig === undefined) {
      throw new Error("andyredis:kubeconfig: is required in clusterOnly mode");
    }
    const provider = new k8s.Provider("existing-cluster", {
      kubeconfig: secrets.kubeconfig,
      context: config.existingCluster?.context,
      enableServerSideApply: true,
    });
    const redis = new RedisSentinel(
      "redis",
      {
        config: config.redis,
        ...redisSecretArgs(secrets),
        pvcWhenDeleted: "Delete",
      },
      { providers: { kubernetes: provider }, protect: config.protectData },
    );
    return redisOutputs(config, stackTag, redis, secrets.kubeconfig);
  }

  const { createAwsStack } = await import("./foundation");
  const { foundation, redis } = createAwsStack(config, secrets, stackTag);
  return { ...foundation.outputs, ...redisOutputs(config, stackTag, redis, foundation.kubeconfig) };
}
