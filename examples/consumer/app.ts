/**
 * An example consumer of an andyredis stack: reads the Sentinel endpoint, the password and the
 * kubeconfig through the output contract (lib/contract.ts), and deploys a small client into the
 * same cluster. The client asks Sentinel for the current master and writes a heartbeat key every
 * few seconds, so its log shows a failover as it happens.
 *
 * Kept as a function (index.ts only calls it) so that tests can run it under Pulumi mocks with a
 * mocked StackReference.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { readRedisStack } from "../../lib/contract";

export interface RedisConsumerArgs {
  /** The Redis stack to read, e.g. `organization/andyredis/dev`. */
  readonly redisStack: string;
  /**
   * Namespace to deploy into. Must be the Redis namespace or one listed in the Redis stack's
   * `andyredis:redisAllowedNamespaces`: the NetworkPolicy admits labelled pods from those only.
   * Defaults to the Redis namespace.
   */
  readonly namespace?: pulumi.Input<string>;
  /** Container image with `redis-cli` and a POSIX shell. Defaults to `redis:8.2.1-alpine`. */
  readonly image?: string;
  /** Number of client pods. Defaults to 1. */
  readonly replicas?: number;
  /** Seconds between heartbeats. Defaults to 5. */
  readonly intervalSeconds?: number;
}

/** Where the client pods mount the stack's CA certificate (`ca.crt`). */
export const CA_MOUNT_PATH = "/etc/andyredis-ca";

/** The key of the password in the Kubernetes Secret the pods read it from. */
export const PASSWORD_KEY = "redis-password";

/**
 * Resolves the master through Sentinel, then writes a heartbeat to it, as the stack's
 * application user (`redisUsername`): REDISCLI_AUTH (from the Secret) and `--user` authenticate
 * both, Sentinel and Redis having the same ACL users. The password never appears on a command
 * line, where `ps` and the pod spec would show it.
 */
const CLIENT_SCRIPT = `
set -u
tls=""
# With the stack's TLS (redisCaCertificate), the servers are checked against its CA.
if [ "$REDIS_TLS" = "yes" ]; then tls="--tls --cacert ${CA_MOUNT_PATH}/ca.crt"; fi
host="\${SENTINEL_ENDPOINT%:*}"
port="\${SENTINEL_ENDPOINT##*:}"
while true; do
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  master="$(redis-cli --no-auth-warning $tls --user "$REDIS_USERNAME" -h "$host" -p "$port" SENTINEL get-master-addr-by-name "$MASTER_SET" 2>&1 | tr '\\n' ' ')"
  set -- $master
  if [ "$#" -eq 2 ] && redis-cli --no-auth-warning $tls --user "$REDIS_USERNAME" -h "$1" -p "$2" SET andyredis:consumer:heartbeat "$now" >/dev/null 2>&1; then
    echo "$now master $1:$2 write ok"
  else
    echo "$now no writable master (sentinel said: $master)"
  fi
  sleep "$INTERVAL_SECONDS"
done
`;

/** A small Sentinel-aware client of an andyredis stack, in the stack's own cluster. */
export class RedisConsumer extends pulumi.ComponentResource {
  /** The namespace the client runs in. */
  readonly namespace: pulumi.Output<string>;
  readonly deploymentName: pulumi.Output<string>;
  /** The Secret in the client's namespace that holds the Redis password. */
  readonly passwordSecretName: pulumi.Output<string>;
  /** Where the client reaches Sentinel (`host:26379`). */
  readonly sentinelEndpoint: pulumi.Output<string>;

  constructor(name: string, args: RedisConsumerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:examples:RedisConsumer", name, {}, opts);

    const ref = new pulumi.StackReference(
      `${name}-redis`,
      { name: args.redisStack },
      { parent: this },
    );
    const redis = readRedisStack(ref);

    // The referenced kubeconfig is a secret; the provider keeps it encrypted in this state.
    const provider = new k8s.Provider(
      `${name}-cluster`,
      { kubeconfig: redis.kubeconfig },
      { parent: this },
    );
    const childOpts = { parent: this, provider };

    const namespace = pulumi.output(args.namespace ?? redis.redisNamespace);
    const appLabels = { "app.kubernetes.io/name": name };
    // The NetworkPolicy admits only pods with the stack's client label.
    const podLabels = redis.redisClientLabel.apply((label) => ({
      ...appLabels,
      [label.key]: label.value,
    }));

    const secret = new k8s.core.v1.Secret(
      `${name}-redis-password`,
      {
        metadata: { namespace, labels: appLabels },
        type: "Opaque",
        // A secret Output: Pulumi encrypts it in state and masks it in diffs.
        stringData: { [PASSWORD_KEY]: redis.redisPassword },
      },
      childOpts,
    );

    // The stack's CA (public), for redis-cli to check the servers with; empty without TLS.
    const tls = redis.redisCaCertificate.apply((ca) => ca !== undefined && ca !== "");
    const caConfigMap = new k8s.core.v1.ConfigMap(
      `${name}-redis-ca`,
      {
        metadata: { namespace, labels: appLabels },
        data: { "ca.crt": redis.redisCaCertificate.apply((ca) => ca ?? "") },
      },
      childOpts,
    );

    const deployment = new k8s.apps.v1.Deployment(
      name,
      {
        // A fixed name, so that `kubectl logs deploy/<name>` works as documented.
        metadata: { name, namespace, labels: appLabels },
        spec: {
          replicas: args.replicas ?? 1,
          selector: { matchLabels: appLabels },
          template: {
            metadata: { labels: podLabels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                // The `redis` user of the official image.
                runAsUser: 999,
                runAsGroup: 999,
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumes: [{ name: "redis-ca", configMap: { name: caConfigMap.metadata.name } }],
              containers: [
                {
                  name: "client",
                  image: args.image ?? "redis:8.2.1-alpine",
                  command: ["/bin/sh", "-c", CLIENT_SCRIPT],
                  env: [
                    { name: "SENTINEL_ENDPOINT", value: redis.sentinelEndpoint },
                    { name: "MASTER_SET", value: redis.redisMasterSet },
                    { name: "REDIS_USERNAME", value: redis.redisUsername },
                    { name: "REDIS_TLS", value: tls.apply((on) => (on ? "yes" : "no")) },
                    { name: "INTERVAL_SECONDS", value: String(args.intervalSeconds ?? 5) },
                    {
                      name: "REDISCLI_AUTH",
                      valueFrom: {
                        secretKeyRef: { name: secret.metadata.name, key: PASSWORD_KEY },
                      },
                    },
                  ],
                  volumeMounts: [{ name: "redis-ca", mountPath: CA_MOUNT_PATH, readOnly: true }],
                  resources: {
                    requests: { cpu: "10m", memory: "16Mi" },
                    limits: { memory: "32Mi" },
                  },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                },
              ],
            },
          },
        },
      },
      childOpts,
    );

    this.namespace = deployment.metadata.namespace;
    this.deploymentName = deployment.metadata.name;
    this.passwordSecretName = secret.metadata.name;
    this.sentinelEndpoint = redis.sentinelEndpoint;
    this.registerOutputs({
      namespace: this.namespace,
      deploymentName: this.deploymentName,
      passwordSecretName: this.passwordSecretName,
      sentinelEndpoint: this.sentinelEndpoint,
    });
  }
}

/** Deploys the example client for the Redis stack `redisStack`; returns what to export. */
export function deployConsumer(
  redisStack: string,
  options: Omit<RedisConsumerArgs, "redisStack"> = {},
): RedisConsumer {
  return new RedisConsumer("redis-consumer", { ...options, redisStack });
}
