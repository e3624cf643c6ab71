/**
 * Shared types of the destroy hook and the leftover audit.
 *
 * Everything in `lib/cleanup/` may be serialized into the Pulumi state as part of the hook's
 * dynamic provider (see `components/volumeCleanup.ts`). So these modules import AWS SDK and
 * Kubernetes types only (`import type`, erased at compile time) and `require` the packages
 * inside the functions that need them: a captured SDK client or module breaks
 * `pulumi.runtime.serializeFunction` (pulumi/pulumi#13960).
 */
import type { VolumeCleanupMode } from "../config/configTypes";

/** What the hook needs at destroy time; stored in the state as the hook's inputs and outputs. */
export interface CleanupSettings {
  readonly region: string;
  /** Kubeconfig content (YAML or JSON). Empty: the Kubernetes step is skipped. */
  readonly kubeconfig: string;
  /** The value of the `andyredis/stack` tag that scopes every volume the hook touches. */
  readonly stackTag: string;
  readonly clusterName: string;
  /** The cluster's VPC: the network step touches nothing outside it. */
  readonly vpcId: string;
  readonly namespace: string;
  readonly releaseName: string;
  readonly mode: VolumeCleanupMode;
  /** Upper bound of each wait (PVs gone, volumes detached, snapshots completed, LBs gone). */
  readonly timeoutSeconds: number;
}

/** The part of an EC2 volume the planner looks at. */
export interface VolumeInfo {
  readonly volumeId: string;
  /** EC2 state: creating | available | in-use | deleting | deleted | error. */
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Instance IDs the volume is attached to. */
  readonly attachedTo: readonly string[];
  /** True when an attachment deletes the volume with its instance (a node's root volume). */
  readonly deleteOnTermination: boolean;
  readonly sizeGiB: number;
  readonly zone: string;
}

/** Progress lines. In a dynamic provider only stderr reaches the Pulumi log (no engine link). */
export type Logger = (message: string) => void;

/** Time, injected so tests of the waits need not wait. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** How the waits poll. */
export interface WaitOptions {
  readonly clock: Clock;
  /** Between two polls. Defaults to 5000 in the hook. */
  readonly pollMs: number;
  readonly timeoutMs: number;
}

/** What one hook run did, for the log and the tests. */
export interface CleanupReport {
  readonly kubernetes: {
    readonly skipped?: string;
    readonly pvcsDeleted: readonly string[];
    readonly pvsPatchedToRetain: readonly string[];
  };
  readonly volumes: {
    readonly deleted: readonly string[];
    /** Volume ID → snapshot ID. */
    readonly snapshots: Readonly<Record<string, string>>;
    readonly retained: readonly string[];
    /** Stack volumes left alone, with why (bound to a live PVC, already deleting). */
    readonly skipped: Readonly<Record<string, string>>;
  };
  readonly network: {
    readonly loadBalancersDeleted: readonly string[];
    readonly securityGroupsDeleted: readonly string[];
    readonly networkInterfacesDeleted: readonly string[];
  };
}
