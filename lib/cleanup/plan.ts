/**
 * The pure half of the destroy hook: which volumes to snapshot, delete or keep, and the
 * validation of the settings read back from the state. No network, no SDK.
 */
import {
  isVolumeCleanupMode,
  VOLUME_CLEANUP_MODES,
  type VolumeCleanupMode,
} from "../config/configTypes";
import {
  clusterTagKey,
  isStackTag,
  STACK_TAG_KEY,
  CLEANUP_TAG_KEY,
  HOOK_SNAPSHOT_MARKER,
  PVC_NAME_TAG_KEY,
  PVC_NAMESPACE_TAG_KEY,
  SOURCE_VOLUME_TAG_KEY,
} from "../tags";
import { type CleanupSettings, type VolumeInfo } from "./hookTypes";

/** An AWS tag list (`[{ Key, Value }]`, either possibly missing) as a record. */
export function tagsToRecord(
  tags: readonly { readonly Key?: string; readonly Value?: string }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  }
  return out;
}

/**
 * Whether a resource belongs to this stack: its `andyredis/stack` tag equals `stackTag` exactly.
 * Exact, not a prefix: `org/proj/dev` must not match `org/proj/dev2`.
 */
export function isStackResource(tags: Readonly<Record<string, string>>, stackTag: string): boolean {
  return stackTag !== "" && tags[STACK_TAG_KEY] === stackTag;
}

/** What happens to one volume. */
export type VolumeAction =
  | "delete"
  | "snapshot-then-delete"
  | "retain"
  /** Not this stack's: never touched (kept in the plan so the log can say so). */
  | "ignore"
  /** This stack's, but left alone on purpose; `reason` says why. */
  | "skip";

export interface PlannedVolume {
  readonly volume: VolumeInfo;
  readonly action: VolumeAction;
  /** True when the volume must be detached before the action (it is `in-use`). */
  readonly waitForDetach: boolean;
  readonly reason: string;
}

/** The action a mode asks for, for one of this stack's volumes. */
export function actionForMode(mode: VolumeCleanupMode): VolumeAction {
  switch (mode) {
    case "delete":
      return "delete";
    case "snapshot":
      return "snapshot-then-delete";
    case "retain":
      return "retain";
    default:
      throw new Error(
        `cleanup mode: got ${JSON.stringify(mode)}, allowed: ${VOLUME_CLEANUP_MODES.join(", ")}`,
      );
  }
}

/** The PVC (`namespace/name`) the EBS CSI driver created a volume for, if it tagged it. */
export function pvcOfVolume(tags: Readonly<Record<string, string>>): string | undefined {
  const ns = tags[PVC_NAMESPACE_TAG_KEY];
  const name = tags[PVC_NAME_TAG_KEY];
  return ns !== undefined && name !== undefined ? `${ns}/${name}` : undefined;
}

/**
 * The claim template of the chart's StatefulSet (`replica.persistence`, see
 * `lib/redis/chartValues.ts`): with `fullnameOverride` = the release name, the StatefulSet is
 * `<release>-node` (`lib/redis/endpoints.ts`), so pod `i` claims `redis-data-<release>-node-<i>`.
 */
export const RELEASE_CLAIM_TEMPLATE = "redis-data";

/** Whether a PVC name is one the release's StatefulSet creates (`redis-data-<release>-node-<i>`). */
export function isReleaseClaimName(name: string, releaseName: string): boolean {
  const prefix = `${RELEASE_CLAIM_TEMPLATE}-${releaseName}-node-`;
  return name.startsWith(prefix) && /^(0|[1-9][0-9]*)$/.test(name.slice(prefix.length));
}

/** What scopes the volume step beyond the stack tag: the release's claims, and the cluster's PVs. */
export interface VolumeScope {
  readonly stackTag: string;
  /**
   * The cluster: a volume is acted on only when it also carries `kubernetes.io/cluster/<name>`
   * (the CSI driver's `k8sTagClusterId`), a second, independent proof that it is this
   * cluster's. Two stacks cannot have one EKS cluster name in a region and account.
   */
  readonly clusterName: string;
  /** The release's namespace: a volume made for a claim elsewhere is never the release's. */
  readonly namespace: string;
  readonly releaseName: string;
  /**
   * Claims (`namespace/name`) the Kubernetes step found with the release's label, besides those
   * whose name the StatefulSet would give. Defaults to none.
   */
  readonly releaseClaims?: ReadonlySet<string>;
  /**
   * PVCs (`namespace/name`) that still exist after the Kubernetes step: a volume created for one
   * of them belongs to something still running (the new release after an update). Defaults to
   * none (the cluster is not reachable).
   */
  readonly livePvcs?: ReadonlySet<string>;
  /**
   * The PVs that still refer to a volume (volume ID → `pv <name> (claim <ns>/<name>)` lines),
   * other than the release's own: while one does, the volume is someone else's. Defaults to none
   * (the cluster is not reachable).
   */
  readonly foreignPvs?: ReadonlyMap<string, readonly string[]>;
}

/**
 * The plan for every volume listed. Only a volume that carries this stack's tag AND was created
 * for one of the release's own claims (the CSI driver's `kubernetes.io/created-for/pvc/*` tags)
 * is deleted, snapshotted or retained; every other volume is left alone with the reason. The
 * stack tag alone is not enough: the CSI add-on tags every volume of the cluster with it, e.g. a
 * monitoring volume kept on purpose (`Retain`, PV Released).
 */
export function planVolumes(
  volumes: readonly VolumeInfo[],
  scope: VolumeScope,
  mode: VolumeCleanupMode,
): PlannedVolume[] {
  const modeAction = actionForMode(mode);
  const livePvcs = scope.livePvcs ?? new Set<string>();
  const releaseClaims = scope.releaseClaims ?? new Set<string>();
  const skip = (volume: VolumeInfo, reason: string): PlannedVolume => ({
    volume,
    action: "skip",
    waitForDetach: false,
    reason,
  });
  return volumes.map((volume): PlannedVolume => {
    if (!isStackResource(volume.tags, scope.stackTag)) {
      return { volume, action: "ignore", waitForDetach: false, reason: "not this stack's" };
    }
    if (volume.state === "deleting" || volume.state === "deleted") {
      return skip(volume, `already ${volume.state}`);
    }
    if (volume.deleteOnTermination) {
      // A node's root volume (were it ever given the stack tag): it goes with its instance.
      return skip(volume, "deleted with its instance");
    }
    const pvc = pvcOfVolume(volume.tags);
    if (pvc === undefined) {
      return skip(volume, "not created for a PVC (no kubernetes.io/created-for/pvc tags)");
    }
    const [pvcNamespace, pvcName] = [
      volume.tags[PVC_NAMESPACE_TAG_KEY],
      volume.tags[PVC_NAME_TAG_KEY],
    ];
    const releases =
      pvcNamespace === scope.namespace &&
      (releaseClaims.has(pvc) || isReleaseClaimName(pvcName, scope.releaseName));
    if (!releases) {
      return skip(
        volume,
        `created for PVC ${pvc}, not a claim of release ${scope.namespace}/${scope.releaseName}`,
      );
    }
    if (volume.tags[clusterTagKey(scope.clusterName)] === undefined) {
      return skip(
        volume,
        `not tagged ${clusterTagKey(scope.clusterName)} (not made by this cluster's CSI driver)`,
      );
    }
    if (livePvcs.has(pvc)) return skip(volume, `its PVC ${pvc} still exists in the cluster`);
    const foreign = scope.foreignPvs?.get(volume.volumeId);
    if (foreign !== undefined && foreign.length > 0) {
      return skip(volume, `still referred to by ${foreign.join(", ")}`);
    }
    const waitForDetach = modeAction !== "retain" && volume.state === "in-use";
    return { volume, action: modeAction, waitForDetach, reason: `mode ${mode}` };
  });
}

/** The volume IDs of a plan with a given action. */
export function volumesWithAction(plan: readonly PlannedVolume[], action: VolumeAction): string[] {
  return plan.filter((p) => p.action === action).map((p) => p.volume.volumeId);
}

/** A snapshot as the rerun logic needs it. */
export interface SnapshotInfo {
  readonly snapshotId: string;
  readonly volumeId: string;
  /** pending | completed | error | recoverable | recovering */
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * On a rerun, the snapshot an earlier run of the hook already took of `volumeId` (completed
 * first, then pending), so that a second destroy does not take a second one. Only a snapshot the
 * hook itself took: this stack's tag, the hook's marker and the volume as its recorded source.
 * The EBS CSI driver puts the stack tag on the snapshots it takes for `VolumeSnapshot` backups
 * too; reusing such an older backup would delete the volume with the data written since.
 */
export function snapshotToReuse(
  volumeId: string,
  snapshots: readonly SnapshotInfo[],
  stackTag: string,
): SnapshotInfo | undefined {
  const mine = snapshots.filter(
    (s) =>
      s.volumeId === volumeId &&
      isStackResource(s.tags, stackTag) &&
      isHookSnapshotOf(s.tags, volumeId) &&
      s.state !== "error",
  );
  return mine.find((s) => s.state === "completed") ?? mine.find((s) => s.state === "pending");
}

/** Whether a snapshot's tags say the hook took it of `volumeId` (see `snapshotTags`). */
export function isHookSnapshotOf(
  tags: Readonly<Record<string, string>>,
  volumeId: string,
): boolean {
  return tags[CLEANUP_TAG_KEY] === HOOK_SNAPSHOT_MARKER && tags[SOURCE_VOLUME_TAG_KEY] === volumeId;
}

/**
 * Reads back the settings stored in the state (untyped there), which the config validated
 * before they were stored: this checks that they are what the hook can run with (the same
 * `isVolumeCleanupMode` as the config's; any positive timeout, since the range of
 * `cleanupTimeoutSeconds` is the config's policy, not the hook's need). Collects every problem
 * and throws once, one line per problem naming the key and what is allowed.
 */
export function parseCleanupSettings(raw: Readonly<Record<string, unknown>>): CleanupSettings {
  const problems: string[] = [];
  const str = (key: string, allowEmpty: boolean): string => {
    const v = raw[key];
    if (typeof v !== "string" || (!allowEmpty && v.trim() === "")) {
      problems.push(
        `${key}: got ${JSON.stringify(v)}, expected a ${allowEmpty ? "" : "non-empty "}string`,
      );
      return "";
    }
    return v;
  };
  const region = str("region", false);
  const kubeconfig = str("kubeconfig", true);
  const stackTag = str("stackTag", false);
  const clusterName = str("clusterName", false);
  const vpcId = str("vpcId", false);
  const namespace = str("namespace", false);
  const releaseName = str("releaseName", false);
  const rawMode = raw["mode"];
  let mode: VolumeCleanupMode = "delete";
  if (isVolumeCleanupMode(rawMode)) {
    mode = rawMode;
  } else {
    problems.push(
      `mode: got ${JSON.stringify(rawMode)}, allowed: ${VOLUME_CLEANUP_MODES.join(", ")}`,
    );
  }
  const rawTimeout = raw["timeoutSeconds"];
  let timeoutSeconds = 0;
  if (typeof rawTimeout === "number" && Number.isInteger(rawTimeout) && rawTimeout > 0) {
    timeoutSeconds = rawTimeout;
  } else {
    problems.push(`timeoutSeconds: got ${JSON.stringify(rawTimeout)}, expected an integer > 0`);
  }
  if (stackTag !== "" && !isStackTag(stackTag)) {
    problems.push(
      `stackTag: got ${JSON.stringify(stackTag)}, expected <org>/<project>/<stack>/<id> (or a legacy <org>/<project>/<stack>)`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`invalid volume cleanup settings:\n  ${problems.join("\n  ")}`);
  }
  return {
    region,
    kubeconfig,
    stackTag,
    clusterName,
    vpcId,
    namespace,
    releaseName,
    mode,
    timeoutSeconds,
  };
}
