/**
 * The deletion hook: a resource whose `delete` cleans up what Kubernetes leaves behind in AWS
 * (the release's PVCs and EBS volumes, load balancers, their security groups, detached network
 * interfaces) before the cluster goes. See docs/destroy.md.
 *
 * Why a dynamic provider and not the `hooks:` resource option: a plain `pulumi destroy` (without
 * `--run-program`) refuses to run with delete hooks, and `ResourceHook` breaks the mocks. A
 * dynamic provider's `delete` runs from the state: the provider code (serialized at `up`) and
 * the settings below (stored as the resource's inputs) are all it needs at destroy time.
 *
 * The engine runs the provider code stored at the last create or update. So the code's version
 * (a hash of the serialized provider, `codeVersion`) is one of the inputs, set by `check`: a new
 * hook implementation is an in-place update (which runs no cleanup), and the next destroy runs
 * the new code.
 *
 * Placement (the program does it): `new VolumeCleanup(name, args, { dependsOn: [cluster,
 * nodeGroup, csiAddon] })`, and the Redis Helm release `dependsOn` the VolumeCleanup. Pulumi then
 * deletes the release first, then runs this hook, then deletes the add-on, node group, cluster.
 */
import * as pulumi from "@pulumi/pulumi";

import { unwrapSecrets } from "../lib/cleanup/executor";
import { migrateStackTagFromState, runHookFromState } from "../lib/cleanup/io/hookFromState";
import { parseCleanupSettings } from "../lib/cleanup/plan";
import type { VolumeCleanupMode } from "../lib/config/configTypes";
import { DEFAULTS } from "../lib/config/keys";
import { isStackTagMigration } from "../lib/tags";

export interface VolumeCleanupArgs {
  /** AWS region of the cluster and its volumes. Required. */
  readonly region: pulumi.Input<string>;
  /**
   * Kubeconfig content (YAML or JSON) for the cluster; stored in the state as a secret. An empty
   * string skips the PVC step (volumes are still cleaned up by their stack tag). Required.
   */
  readonly kubeconfig: pulumi.Input<string>;
  /**
   * Value of the `andyredis/stack` tag (`<org>/<project>/<stack>/<id>`, the stack identity);
   * scopes every volume and snapshot. Required.
   */
  readonly stackTag: pulumi.Input<string>;
  /** The cluster's VPC: load balancers, security groups and interfaces elsewhere are never touched. Required. */
  readonly vpcId: pulumi.Input<string>;
  /** EKS cluster name; scopes load balancers, security groups and interfaces. Required. */
  readonly clusterName: pulumi.Input<string>;
  /** Namespace of the Redis release. Required. */
  readonly namespace: pulumi.Input<string>;
  /** Helm release name (PVCs labelled `app.kubernetes.io/instance=<release>`). Required. */
  readonly releaseName: pulumi.Input<string>;
  /**
   * What happens to the volumes: `delete`, `snapshot` or `retain` (checked by the config, key
   * `volumeCleanupMode`). Defaults to that key's default ("delete").
   */
  readonly mode?: VolumeCleanupMode;
  /**
   * Upper bound in seconds of each wait of the hook (checked by the config, key
   * `cleanupTimeoutSeconds`). Defaults to that key's default (600).
   */
  readonly timeoutSeconds?: number;
}

/** Settings whose change means "another release/cluster": the old hook runs its cleanup. */
export const REPLACE_ON_CHANGE = ["region", "stackTag", "clusterName", "namespace", "releaseName"];
/** The input that holds the version of the provider code (see the module comment). */
export const CODE_VERSION_KEY = "codeVersion";
/** Every stored setting, and the code version: a change of any is at least an update. */
export const SETTING_KEYS = [
  ...REPLACE_ON_CHANGE,
  "vpcId",
  "kubeconfig",
  "mode",
  "timeoutSeconds",
  CODE_VERSION_KEY,
];

/** Pulumi's placeholder for a value not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The input where `pulumi.dynamic.Resource` puts the serialized provider. */
const PROVIDER_KEY = "__provider";

type Props = Record<string, unknown>;

/**
 * The code version of a serialized provider: `sha256:` and the first 16 hex digits of the hash
 * of its text (what the engine stores and runs). Undefined while the text is not known.
 */
export function codeVersionOf(serializedProvider: unknown): string | undefined {
  if (typeof serializedProvider !== "string" || serializedProvider === UNKNOWN) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- serialized code (see below)
  const { createHash } = require("crypto") as typeof import("crypto");
  return `sha256:${createHash("sha256").update(serializedProvider).digest("hex").slice(0, 16)}`;
}

/** The inputs with the code version of the provider they carry. */
export function withCodeVersion(news: Props): Props {
  const version = codeVersionOf(unwrapSecrets(news)[PROVIDER_KEY]);
  return version === undefined ? news : { ...news, [CODE_VERSION_KEY]: version };
}

/**
 * The provider. It is serialized into the state with everything it references, so it references
 * only `lib/cleanup` functions, which `require` the AWS SDK inside (a captured SDK client or
 * module cannot be serialized: pulumi/pulumi#13960). `delete` is the hook; create and update
 * only store the settings. `check` and `diff` run from the new code on `up`, so they see (and
 * compare) the new code version even on a stack whose stored provider predates it.
 */
export const volumeCleanupProvider: pulumi.dynamic.ResourceProvider<Props, Props> = {
  async check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult<Props>> {
    const inputs = withCodeVersion(news);
    const known = Object.values(news).every((v) => v !== UNKNOWN);
    if (!known) return { inputs };
    try {
      parseCleanupSettings(unwrapSecrets(news));
      return { inputs };
    } catch (err) {
      return { inputs, failures: [{ property: "settings", reason: String(err) }] };
    }
  },
  async create(inputs: Props): Promise<pulumi.dynamic.CreateResult<Props>> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- serialized code (see above)
    const { randomUUID } = require("crypto") as typeof import("crypto");
    return { id: `volume-cleanup-${randomUUID()}`, outs: inputs };
  },
  async diff(_id: string, oldProps: Props, newProps: Props): Promise<pulumi.dynamic.DiffResult> {
    // Both sides carry their serialized provider (`__provider`): its version is compared even
    // when an older state or a caller did not store `codeVersion`.
    const olds = withCodeVersion(oldProps);
    const news = withCodeVersion(newProps);
    const differs = (k: string): boolean => JSON.stringify(olds[k]) !== JSON.stringify(news[k]);
    // A stack created before the stack identity gets its id: the same stack, an update (which
    // retags its volumes), never a replacement (whose old hook would clean up a running stack).
    const migrating = (k: string): boolean =>
      k === "stackTag" &&
      typeof olds[k] === "string" &&
      typeof news[k] === "string" &&
      isStackTagMigration(String(olds[k]), String(news[k]));
    return {
      changes: SETTING_KEYS.some(differs),
      replaces: REPLACE_ON_CHANGE.filter((k) => differs(k) && !migrating(k)),
      deleteBeforeReplace: false,
    };
  },
  async update(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult<Props>> {
    // Only the migration of a legacy stack tag does anything here: the volumes and snapshots
    // the CSI driver made for this cluster under the old tag get the new one (nothing deleted).
    await migrateStackTagFromState(olds, news);
    return { outs: news };
  },
  async delete(_id: string, props: Props): Promise<void> {
    await runHookFromState(props);
  },
};

/** The dynamic resource itself (type `pulumi-nodejs:dynamic:Resource`, fixed by Pulumi). */
export class VolumeCleanupHook extends pulumi.dynamic.Resource {
  public readonly mode!: pulumi.Output<string>;
  public readonly stackTag!: pulumi.Output<string>;
  public readonly clusterName!: pulumi.Output<string>;
  public readonly timeoutSeconds!: pulumi.Output<number>;

  constructor(name: string, args: VolumeCleanupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      volumeCleanupProvider,
      name,
      {
        region: args.region,
        kubeconfig: pulumi.secret(args.kubeconfig),
        stackTag: args.stackTag,
        vpcId: args.vpcId,
        clusterName: args.clusterName,
        namespace: args.namespace,
        releaseName: args.releaseName,
        mode: args.mode ?? DEFAULTS.volumeCleanupMode,
        timeoutSeconds: args.timeoutSeconds ?? DEFAULTS.cleanupTimeoutSeconds,
      },
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
    );
  }
}

/**
 * The hook as a component (`andyredis:cleanup:VolumeCleanup`) with the dynamic resource as its
 * child `${name}-hook`. The component's `dependsOn` is passed on to the child, so the hook
 * itself waits for (and is deleted before) the cluster, node group and CSI add-on.
 */
export class VolumeCleanup extends pulumi.ComponentResource {
  public readonly hook: VolumeCleanupHook;
  public readonly mode: pulumi.Output<string>;

  constructor(name: string, args: VolumeCleanupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("andyredis:cleanup:VolumeCleanup", name, {}, opts);
    this.hook = new VolumeCleanupHook(`${name}-hook`, args, {
      parent: this,
      dependsOn: opts?.dependsOn,
    });
    this.mode = this.hook.mode;
    this.registerOutputs({ mode: this.mode, hookId: this.hook.id });
  }
}
