/**
 * Redis with Sentinel: the Bitnami redis chart as a Helm release (visible to `helm list`) in
 * its own namespace, with the password in a Secret of ours. Thin on purpose: the values come
 * from `lib/redis/chartValues.ts`, the names from `lib/redis/endpoints.ts`.
 *
 * The caller passes the cluster's Kubernetes provider (`providers`/`provider` in opts) and, in
 * `args.dependsOn`, whatever the pods need first (the StorageClass, the EBS CSI add-on).
 */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { RedisConfig } from "../lib/config/configTypes";
import type { StackSecrets } from "../lib/config/io/loadConfig";
import {
  chartSource,
  chartValues,
  imagePullSecretName,
  PvcWhenDeleted,
} from "../lib/redis/chartValues";
import { frozenImagesWarning } from "../lib/redis/images";
import { PASSWORD_KEY, PINNED_CHART_VERSION } from "../lib/redis/defaults";
import { redisEndpoints } from "../lib/redis/endpoints";
import { labelPushRbac } from "../lib/redis/rbac";
import { TLS_SECRET_FILES, tlsChecksum, tlsSecretName } from "../lib/redis/tlsCertificates";
import {
  APP_USER,
  INTERNAL_USER,
  OPERATOR_USER,
  aclChecksum,
  aclSecretData,
  aclSecretName,
  appPasswords,
} from "../lib/redis/acl";

/** The stack's secrets the release takes, by their config keys. */
export function redisSecretArgs(
  secrets: StackSecrets,
): Pick<RedisSentinelArgs, "password" | "previousPassword" | "imagePullSecret" | "tlsPrivateKey"> {
  return {
    password: secrets.redisPassword,
    previousPassword: secrets.redisPasswordPrevious,
    imagePullSecret: secrets.redisImagePullSecret,
    tlsPrivateKey: secrets.redisTlsPrivateKey,
  };
}

export interface RedisSentinelArgs {
  /** The typed Redis configuration from `lib/config/parse.ts` (namespace, release, chart, tuning...). */
  readonly config: RedisConfig;
  /**
   * The password of the application user (`app`, lib/redis/acl.ts) on Redis and Sentinel, e.g.
   * `config.requireSecret(...)`; made a secret if it is not one. Defaults to a generated
   * 32-character alphanumeric `RandomPassword`, stable across updates. The internal (`default`)
   * and the operator users always get generated passwords of their own.
   */
  readonly password?: pulumi.Input<string>;
  /**
   * A second password the application user accepts besides `password`, during a rotation
   * (`redisPasswordPrevious`): clients still holding the old one keep working through the roll
   * and until it is removed. Made a secret if it is not one. Defaults to none.
   */
  readonly previousPassword?: pulumi.Input<string>;
  /**
   * Credentials for the images' registry: a docker config JSON (`redisImagePullSecret`), made a
   * secret if it is not one. Required when `config.imagePullSecret` is true. Defaults to none.
   */
  readonly imagePullSecret?: pulumi.Input<string>;
  /**
   * The private key of your own certificate (`redisTlsPrivateKey`), made a secret if it is not
   * one. Required when `config.tlsCertificates` is set. Defaults to none.
   */
  readonly tlsPrivateKey?: pulumi.Input<string>;
  /**
   * Resources the Helm release waits for besides the namespace and the password Secret: the
   * StorageClass and the EBS CSI add-on. Defaults to none.
   */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * What deleting the release does with its PVCs. Defaults to "Delete"; pass "Retain" when the
   * destroy hook snapshots or keeps the volumes.
   */
  readonly pvcWhenDeleted?: PvcWhenDeleted;
  /**
   * Seconds Helm waits for the release's objects to be ready (the StatefulSet starts its pods
   * one after another). Defaults to 900.
   */
  readonly timeoutSeconds?: number;
}

/**
 * Namespace labels: Pod Security "restricted" enforced. The chart's pods with the stack's values
 * meet it (non-root, no privilege escalation, every capability dropped, RuntimeDefault seccomp),
 * as the real API server's admission shows in the e2e suite; a client pod in this namespace
 * must meet it too.
 */
export const NAMESPACE_LABELS: Readonly<Record<string, string>> = Object.freeze({
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
});

/**
 * The release's Helm post-renderer (lib/redis/rbac.ts `dropChartRbac`), by absolute path: the
 * kubernetes provider runs it from its own working directory. Moving the checkout changes the
 * path, and the next `up` upgrades the release with an unchanged manifest.
 */
export const POSTRENDER = path.resolve(__dirname, "..", "cli", "helm-postrender");

export class RedisSentinel extends pulumi.ComponentResource {
  /** `<release>.<ns>.svc.cluster.local:26379`: the Service in front of every sentinel. */
  public readonly sentinelEndpoint: pulumi.Output<string>;
  /** Each sentinel's stable DNS name (`<release>-node-<i>.<release>-headless.<ns>.svc.cluster.local`). */
  public readonly sentinelHosts: pulumi.Output<string[]>;
  /** The Sentinel master set name (from the tuning). */
  public readonly masterSet: pulumi.Output<string>;
  /** The release's namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** The Helm release name. */
  public readonly releaseName: pulumi.Output<string>;
  /** The application user clients authenticate as (`app`). */
  public readonly username: pulumi.Output<string>;
  /** The application user's password on Redis and Sentinel (a secret). */
  public readonly password: pulumi.Output<string>;
  /**
   * The CA certificate (PEM) the servers' certificates chain to, only with TLS: read from the
   * chart's `<release>-crt` Secret after the release, so it is the one the pods use.
   */
  public readonly caCertificate?: pulumi.Output<string>;
  /** `<release>-master.<ns>.svc.cluster.local:6379`, only when the master Service is on. */
  public readonly masterEndpoint?: pulumi.Output<string>;
  /** The Helm release, for `dependsOn`. */
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: RedisSentinelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:redis:RedisSentinel", name, {}, opts);
    const cfg = args.config;

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: cfg.namespace, labels: { ...NAMESPACE_LABELS } } },
      { parent: this },
    );

    // Alphanumeric: the chart writes the internal password unquoted into sentinel.conf.
    const generated = (role: string): pulumi.Output<string> =>
      new random.RandomPassword(`${name}-${role}`, { length: 32, special: false }, { parent: this })
        .result;
    // The chart's own password: the `default` user, held by the pods only (replication,
    // Sentinel's links, probes, exporter). Its resource name is the one the single password of
    // earlier versions had, so an update keeps that value here.
    const internalPassword = pulumi.secret(generated("password"));
    this.username = pulumi.output(APP_USER);
    this.password = pulumi.secret(args.password ?? generated("app-password"));
    const operatorPassword = pulumi.secret(generated("operator-password"));

    // Every Secret of the stack lives in its namespace; its data is a Pulumi secret.
    const stackSecret = (
      suffix: string,
      secretName: string,
      type: string,
      stringData: pulumi.Input<Record<string, pulumi.Input<string>>>,
    ): k8s.core.v1.Secret =>
      new k8s.core.v1.Secret(
        `${name}-${suffix}`,
        {
          metadata: { name: secretName, namespace: namespace.metadata.name },
          type,
          stringData: pulumi.secret(stringData),
        },
        { parent: this },
      );
    const required = <T>(value: T | undefined, key: string, when: string): T => {
      if (value === undefined) throw new Error(`andyredis:${key}: is required when ${when}`);
      return value;
    };

    const secretName = `${cfg.releaseName}-password`;
    const secret = stackSecret("password", secretName, "Opaque", {
      [PASSWORD_KEY]: internalPassword,
    });

    const previousPassword =
      args.previousPassword === undefined ? undefined : pulumi.secret(args.previousPassword);
    const aclData = pulumi
      .all([internalPassword, this.password, operatorPassword, previousPassword])
      .apply(([internal, app, operator, previous]) =>
        aclSecretData(
          {
            [INTERNAL_USER]: [internal],
            [APP_USER]: appPasswords(app, previous),
            [OPERATOR_USER]: [operator],
          },
          { allowScripting: cfg.allowScripting, extraRules: cfg.aclRules },
        ),
      );
    const aclSecret = stackSecret("acl", aclSecretName(cfg.releaseName), "Opaque", aclData);
    // A hash of hashes and of the operator password: nothing can be read back from it, so it
    // may stand in the release values in plain text.
    const checksum = pulumi.unsecret(aclData.apply(aclChecksum));

    const pullSecrets: k8s.core.v1.Secret[] = [];
    if (cfg.imagePullSecret) {
      const dockerConfig = required(
        args.imagePullSecret,
        "redisImagePullSecret",
        "config.imagePullSecret is true",
      );
      pullSecrets.push(
        stackSecret(
          "image-pull",
          imagePullSecretName(cfg.releaseName),
          "kubernetes.io/dockerconfigjson",
          { ".dockerconfigjson": dockerConfig },
        ),
      );
    }
    // Config refuses these certificates with redisTls off.
    const ownTls = cfg.tlsCertificates;
    const tlsSecrets: k8s.core.v1.Secret[] = [];
    if (ownTls !== undefined) {
      const privateKey = required(
        args.tlsPrivateKey,
        "redisTlsPrivateKey",
        "config.tlsCertificates is set",
      );
      tlsSecrets.push(
        stackSecret("own-tls", tlsSecretName(cfg.releaseName), "kubernetes.io/tls", {
          [TLS_SECRET_FILES.certificate]: ownTls.certificate,
          [TLS_SECRET_FILES.privateKey]: privateKey,
          [TLS_SECRET_FILES.caCertificate]: ownTls.caCertificate,
        }),
      );
    }
    const frozen = frozenImagesWarning(cfg.images);
    if (frozen !== undefined) pulumi.log.warn(frozen, this);

    if (cfg.chartVersion !== PINNED_CHART_VERSION) {
      pulumi.log.warn(
        `chart version ${cfg.chartVersion} is not ${PINNED_CHART_VERSION}, the version whose values this stack checks: review the chart's changes before you rely on it`,
        this,
      );
    }
    // The master Service's label push: our Role, narrowed to the release's pods, instead of the
    // chart's namespace-wide one, which the post-renderer takes out of the release.
    const rbac = labelPushRbac(cfg);
    const rbacResources: pulumi.Resource[] = [];
    if (rbac !== undefined) {
      const role = new k8s.rbac.v1.Role(
        `${name}-master-label`,
        {
          metadata: { name: rbac.roleName, namespace: namespace.metadata.name },
          rules: rbac.rules,
        },
        { parent: this },
      );
      rbacResources.push(
        role,
        new k8s.rbac.v1.RoleBinding(
          `${name}-master-label`,
          {
            metadata: { name: rbac.roleName, namespace: namespace.metadata.name },
            roleRef: {
              apiGroup: "rbac.authorization.k8s.io",
              kind: "Role",
              name: role.metadata.name,
            },
            subjects: [
              {
                kind: "ServiceAccount",
                name: rbac.serviceAccountName,
                namespace: namespace.metadata.name,
              },
            ],
          },
          { parent: this },
        ),
      );
    }

    const source = chartSource(cfg);
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: cfg.releaseName,
        namespace: namespace.metadata.name,
        createNamespace: false,
        chart: source.chart,
        repositoryOpts: source.repositoryOpts,
        version: cfg.chartVersion,
        values: checksum.apply((aclChecksumValue) =>
          chartValues(cfg, {
            existingSecretName: secretName,
            existingSecretPasswordKey: PASSWORD_KEY,
            pvcWhenDeleted: args.pvcWhenDeleted,
            aclSecretName: aclSecretName(cfg.releaseName),
            aclChecksum: aclChecksumValue,
            ownTls:
              ownTls === undefined
                ? undefined
                : { secretName: tlsSecretName(cfg.releaseName), checksum: tlsChecksum(ownTls) },
          }),
        ),
        timeout: args.timeoutSeconds ?? 900,
        maxHistory: 10,
        postrender: rbac === undefined ? undefined : POSTRENDER,
      },
      {
        parent: this,
        // The Role first: the pods push the first master label as they start.
        dependsOn: [
          namespace,
          secret,
          aclSecret,
          ...pullSecrets,
          ...tlsSecrets,
          ...rbacResources,
          ...(args.dependsOn ?? []),
        ],
      },
    );

    // Known at preview, yet carrying the dependency on the release.
    const endpoints = redisEndpoints(cfg);
    const afterRelease = <T>(value: T): pulumi.Output<T> => this.release.urn.apply(() => value);
    this.sentinelEndpoint = afterRelease(endpoints.sentinelEndpoint);
    this.sentinelHosts = afterRelease(endpoints.sentinelHosts);
    this.masterEndpoint =
      endpoints.masterEndpoint === undefined ? undefined : afterRelease(endpoints.masterEndpoint);
    this.masterSet = pulumi.output(cfg.tuning.masterSet);
    if (ownTls !== undefined) {
      this.caCertificate = afterRelease(ownTls.caCertificate);
    } else if (cfg.tls) {
      // The name comes from the release's status, unknown until it exists: a first preview
      // does not try to read a Secret the chart has not made yet.
      const crt = k8s.core.v1.Secret.get(
        `${name}-tls`,
        pulumi.interpolate`${this.release.status.namespace}/${this.release.status.name}-crt`,
        { parent: this },
      );
      // A CA certificate is public: plain, for consumers to verify the servers with.
      this.caCertificate = pulumi.unsecret(
        crt.data.apply((data) => Buffer.from(data?.["ca.crt"] ?? "", "base64").toString("utf8")),
      );
    }
    this.namespace = namespace.metadata.name;
    this.releaseName = this.release.name;

    this.registerOutputs({
      sentinelEndpoint: this.sentinelEndpoint,
      sentinelHosts: this.sentinelHosts,
      masterSet: this.masterSet,
      namespace: this.namespace,
      releaseName: this.releaseName,
      username: this.username,
      password: this.password,
      masterEndpoint: this.masterEndpoint,
      caCertificate: this.caCertificate,
      release: this.release,
    });
  }
}
