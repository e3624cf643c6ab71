/**
 * Step b of the destroy hook: the EBS volumes of the release's claims (this stack's tag, and the
 * CSI driver's PVC tags naming one of the release's claims). Lists them through the EC2 API (the
 * SDK's paginators), waits for in-use ones to detach, then deletes, snapshots-then-deletes or
 * keeps them according to the mode. Idempotent: a volume or snapshot already gone is fine, and a
 * snapshot an earlier run of the hook took is reused (never one it did not take).
 */
import type { EC2, EC2Client, Filter, Volume } from "@aws-sdk/client-ec2";
import {
  clusterTagKey,
  STACK_TAG_KEY,
  CLEANUP_TAG_KEY,
  HOOK_SNAPSHOT_MARKER,
  RETAINED_MARKER,
  SOURCE_VOLUME_TAG_KEY,
} from "../tags";
import {
  planVolumes,
  snapshotToReuse,
  type VolumeScope,
  tagsToRecord,
  volumesWithAction,
  type PlannedVolume,
  type SnapshotInfo,
} from "./plan";
import { allPages, errorMessage, isNotFound, waitUntil } from "./retry";
import {
  type CleanupReport,
  type CleanupSettings,
  type Logger,
  type VolumeInfo,
  type WaitOptions,
} from "./hookTypes";
import { ec2Sdk } from "./io/sdk";

/**
 * The EC2 calls this step makes: a client (real, moto, or mocked) whose `send` the paginators
 * use, plus the single calls.
 */
export type Ec2VolumeApi = EC2Client &
  Pick<EC2, "deleteVolume" | "createSnapshot" | "describeSnapshots" | "createTags">;

/** What the planner needs of an EC2 volume. */
export function volumeInfo(v: Volume): VolumeInfo | undefined {
  if (v.VolumeId === undefined) return undefined;
  return {
    volumeId: v.VolumeId,
    state: v.State ?? "unknown",
    tags: tagsToRecord(v.Tags),
    attachedTo: (v.Attachments ?? [])
      .filter((a) => a.State !== "detached")
      .map((a) => a.InstanceId ?? "?"),
    deleteOnTermination: (v.Attachments ?? []).some((a) => a.DeleteOnTermination === true),
    sizeGiB: v.Size ?? 0,
    zone: v.AvailabilityZone ?? "",
  };
}

/** Every volume matching `filters`, across all pages. */
export async function describeAllVolumes(ec2: EC2Client, filters: Filter[]): Promise<VolumeInfo[]> {
  const { paginateDescribeVolumes } = ec2Sdk();
  const volumes = await allPages(
    paginateDescribeVolumes({ client: ec2, pageSize: 500 }, { Filters: filters }),
    (page) => page.Volumes,
  );
  return volumes.map(volumeInfo).filter((v): v is VolumeInfo => v !== undefined);
}

/** The volumes carrying this stack's tag (filtered by EC2, then checked again exactly). */
export function listStackVolumes(ec2: EC2Client, stackTag: string): Promise<VolumeInfo[]> {
  return describeAllVolumes(ec2, [{ Name: `tag:${STACK_TAG_KEY}`, Values: [stackTag] }]);
}

/**
 * Waits until none of `volumeIds` is attached; returns those still attached at the timeout.
 * A volume that disappeared counts as detached.
 */
export async function waitForDetach(
  ec2: EC2Client,
  volumeIds: readonly string[],
  wait: WaitOptions,
  log: Logger,
): Promise<VolumeInfo[]> {
  if (volumeIds.length === 0) return [];
  let attached: VolumeInfo[] = [];
  await waitUntil(async () => {
    const now = await describeAllVolumes(ec2, [{ Name: "volume-id", Values: [...volumeIds] }]);
    attached = now.filter((v) => v.state === "in-use" || v.attachedTo.length > 0);
    if (attached.length > 0) {
      log(`waiting for ${attached.length} volume(s) to detach: ${describeVolumes(attached)}`);
    }
    return attached.length === 0;
  }, wait);
  return attached;
}

function describeVolumes(vols: readonly VolumeInfo[]): string {
  return vols
    .map((v) => `${v.volumeId}${v.attachedTo.length > 0 ? ` (on ${v.attachedTo.join(",")})` : ""}`)
    .join(", ");
}

/**
 * The snapshots the hook took of the given volumes on an earlier run (to reuse): this stack's
 * tag and the hook's marker. A CSI `VolumeSnapshot` backup has the stack tag too, not the marker.
 */
export async function listHookSnapshots(
  ec2: EC2Client,
  stackTag: string,
  volumeIds: readonly string[],
): Promise<SnapshotInfo[]> {
  if (volumeIds.length === 0) return [];
  return describeAllSnapshots(ec2, [
    { Name: `tag:${STACK_TAG_KEY}`, Values: [stackTag] },
    { Name: `tag:${CLEANUP_TAG_KEY}`, Values: [HOOK_SNAPSHOT_MARKER] },
    { Name: "volume-id", Values: [...volumeIds] },
  ]);
}

/** Every snapshot this account owns matching `filters`, across all pages. */
export async function describeAllSnapshots(
  ec2: EC2Client,
  filters: Filter[],
): Promise<SnapshotInfo[]> {
  const { paginateDescribeSnapshots } = ec2Sdk();
  const snapshots = await allPages(
    paginateDescribeSnapshots(
      { client: ec2, pageSize: 1000 },
      { OwnerIds: ["self"], Filters: filters },
    ),
    (page) => page.Snapshots,
  );
  return snapshots
    .filter((s) => s.SnapshotId !== undefined)
    .map((s) => ({
      snapshotId: s.SnapshotId ?? "",
      volumeId: s.VolumeId ?? "",
      state: s.State ?? "unknown",
      tags: tagsToRecord(s.Tags),
    }));
}

/**
 * The tags of a hook snapshot: the volume's own tags (PVC name, cluster, zone: what a restore
 * needs), minus the reserved `aws:` ones, plus the stack tag and the hook's markers.
 */
export function snapshotTags(
  volume: VolumeInfo,
  stackTag: string,
): { Key: string; Value: string }[] {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(volume.tags)) {
    if (!k.startsWith("aws:")) tags[k] = v;
  }
  tags[STACK_TAG_KEY] = stackTag;
  tags[CLEANUP_TAG_KEY] = HOOK_SNAPSHOT_MARKER;
  tags[SOURCE_VOLUME_TAG_KEY] = volume.volumeId;
  // A restore must create the volume where a node can attach it: say where the data lived.
  tags["andyredis/source-zone"] = volume.zone;
  tags["Name"] =
    `andyredis-${volume.tags["kubernetes.io/created-for/pvc/name"] ?? volume.volumeId}`;
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Waits until every snapshot is `completed`; throws on an `error` one; returns the unfinished. */
export async function waitForSnapshots(
  ec2: Pick<EC2, "describeSnapshots">,
  snapshotIds: readonly string[],
  wait: WaitOptions,
  log: Logger,
): Promise<string[]> {
  if (snapshotIds.length === 0) return [];
  let pending: string[] = [...snapshotIds];
  await waitUntil(async () => {
    // Asked by ID: one page holds them all.
    const page = await ec2.describeSnapshots({ SnapshotIds: [...snapshotIds] });
    const failed = (page.Snapshots ?? []).filter((s) => s.State === "error");
    if (failed.length > 0) {
      throw new Error(
        `snapshot(s) failed: ${failed.map((s) => `${s.SnapshotId} of ${s.VolumeId}: ${s.StateMessage ?? "error"}`).join("; ")}`,
      );
    }
    const done = new Set(
      (page.Snapshots ?? []).filter((s) => s.State === "completed").map((s) => s.SnapshotId),
    );
    pending = snapshotIds.filter((id) => !done.has(id));
    if (pending.length > 0) log(`waiting for snapshot(s) to complete: ${pending.join(", ")}`);
    return pending.length === 0;
  }, wait);
  return pending;
}

/** Deletes a volume; already gone is fine. */
export async function deleteVolume(
  ec2: Pick<EC2, "deleteVolume">,
  volumeId: string,
): Promise<void> {
  try {
    await ec2.deleteVolume({ VolumeId: volumeId });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** The failure a step raises when it cannot finish: what is left, and what to do next. */
export function cleanupFailure(what: string, ids: readonly string[], nextSteps: string): Error {
  return new Error(
    `andyredis volume cleanup could not finish: ${what}: ${ids.join(", ")}.\n` +
      `${nextSteps}\n` +
      "Then run `pulumi destroy` again: the cleanup resumes where it stopped " +
      "(what is already deleted is skipped). The cluster was not deleted.",
  );
}

/**
 * Runs step b. `scope` says which volumes are the release's (see `planVolumes`); what the
 * Kubernetes step learnt (live PVCs, PVs outside the release) is in it. Throws (after doing
 * everything it could) when a volume stays attached or a snapshot does not complete within the
 * timeout.
 */
export async function runVolumeStep(
  ec2: Ec2VolumeApi,
  settings: CleanupSettings,
  scope: Omit<VolumeScope, "stackTag" | "clusterName" | "namespace" | "releaseName">,
  log: Logger,
  wait: WaitOptions,
): Promise<CleanupReport["volumes"]> {
  const volumes = await listStackVolumes(ec2, settings.stackTag);
  const plan = planVolumes(
    volumes,
    {
      ...scope,
      stackTag: settings.stackTag,
      clusterName: settings.clusterName,
      namespace: settings.namespace,
      releaseName: settings.releaseName,
    },
    settings.mode,
  );
  const skipped: Record<string, string> = {};
  for (const p of plan.filter((x) => x.action === "skip")) skipped[p.volume.volumeId] = p.reason;
  log(
    `volumes of stack ${settings.stackTag}: ${plan.filter((p) => p.action !== "ignore").length} ` +
      `(mode ${settings.mode}; ${Object.keys(skipped).length} skipped)`,
  );
  for (const [id, why] of Object.entries(skipped)) log(`  leaving ${id} alone: ${why}`);

  const retained = volumesWithAction(plan, "retain");
  if (retained.length > 0) {
    // Mark them so the audit can tell a volume kept on purpose from a leaked one.
    await ec2.createTags({
      Resources: retained,
      Tags: [{ Key: CLEANUP_TAG_KEY, Value: RETAINED_MARKER }],
    });
    for (const p of plan.filter((x) => x.action === "retain")) {
      log(
        `  keeping ${p.volume.volumeId} (${p.volume.sizeGiB} GiB, ${p.volume.zone}, PVC ` +
          `${p.volume.tags["kubernetes.io/created-for/pvc/name"] ?? "?"}): delete it by hand ` +
          `when no longer needed: aws ec2 delete-volume --volume-id ${p.volume.volumeId}`,
      );
    }
  }

  const toProcess = plan.filter(
    (p) => p.action === "delete" || p.action === "snapshot-then-delete",
  );
  const stillAttached = await waitForDetach(
    ec2,
    toProcess.filter((p) => p.waitForDetach).map((p) => p.volume.volumeId),
    wait,
    log,
  );
  const attachedIds = new Set(stillAttached.map((v) => v.volumeId));
  const ready = toProcess.filter((p) => !attachedIds.has(p.volume.volumeId));

  const snapshots: Record<string, string> = {};
  let unfinishedSnapshots: string[] = [];
  const deletable: PlannedVolume[] = ready.filter((p) => p.action === "delete");
  const toSnapshot = ready.filter((p) => p.action === "snapshot-then-delete");
  if (toSnapshot.length > 0) {
    const existing = await listHookSnapshots(
      ec2,
      settings.stackTag,
      toSnapshot.map((p) => p.volume.volumeId),
    );
    for (const p of toSnapshot) {
      const reuse = snapshotToReuse(p.volume.volumeId, existing, settings.stackTag);
      if (reuse !== undefined) {
        snapshots[p.volume.volumeId] = reuse.snapshotId;
        log(`  ${p.volume.volumeId}: reusing snapshot ${reuse.snapshotId} (${reuse.state})`);
        continue;
      }
      const snap = await ec2.createSnapshot({
        VolumeId: p.volume.volumeId,
        Description: `andyredis ${settings.stackTag}: ${p.volume.tags["kubernetes.io/created-for/pvc/name"] ?? p.volume.volumeId} before destroy`,
        TagSpecifications: [
          { ResourceType: "snapshot", Tags: snapshotTags(p.volume, settings.stackTag) },
        ],
      });
      if (snap.SnapshotId === undefined) throw new Error(`no snapshot ID for ${p.volume.volumeId}`);
      snapshots[p.volume.volumeId] = snap.SnapshotId;
      log(`  ${p.volume.volumeId}: snapshot ${snap.SnapshotId} started`);
    }
    unfinishedSnapshots = await waitForSnapshots(ec2, Object.values(snapshots), wait, log);
    const unfinished = new Set(unfinishedSnapshots);
    // A volume goes only once its snapshot is complete: nothing is lost.
    deletable.push(...toSnapshot.filter((p) => !unfinished.has(snapshots[p.volume.volumeId])));
  }

  const deleted: string[] = [];
  for (const p of deletable) {
    await deleteVolume(ec2, p.volume.volumeId);
    deleted.push(p.volume.volumeId);
    log(`  deleted volume ${p.volume.volumeId}`);
  }

  if (stillAttached.length > 0) {
    throw cleanupFailure(
      `volume(s) still attached after ${settings.timeoutSeconds}s`,
      stillAttached.map((v) => `${v.volumeId} (on ${v.attachedTo.join(",") || "?"})`),
      `Check what still uses them (kubectl get pods -n ${settings.namespace}; ` +
        "kubectl get volumeattachments), or detach them: aws ec2 detach-volume --volume-id <id>.",
    );
  }
  if (unfinishedSnapshots.length > 0) {
    throw cleanupFailure(
      `snapshot(s) not completed after ${settings.timeoutSeconds}s (their volumes are kept)`,
      unfinishedSnapshots,
      "Wait for them (aws ec2 describe-snapshots --snapshot-ids <id>) or raise " +
        "andyredis:cleanupTimeoutSeconds with `pulumi up` first.",
    );
  }
  return { deleted, snapshots, retained, skipped };
}

/** For the log: a short description of an error from a step. */
export function describeStepError(step: string, err: unknown): string {
  return `${step}: ${errorMessage(err)}`;
}

/** What a stack-tag migration retagged. */
export interface MigrationReport {
  readonly volumes: readonly string[];
  readonly snapshots: readonly string[];
}

/**
 * The migration of a stack created before the stack identity (`pulumi up` after the upgrade):
 * the volumes and snapshots that carry the legacy tag `from` AND this cluster's tag
 * (`kubernetes.io/cluster/<cluster>`, set by its CSI driver) get the new tag `to`. Nothing is
 * deleted or detached. Another stack with the same legacy tag (the same name on another file
 * backend) has another cluster (EKS names are unique in an account and region), so its
 * volumes keep their tag.
 */
export async function migrateStackTag(
  ec2: EC2Client & Pick<EC2, "createTags">,
  from: string,
  to: string,
  clusterName: string,
  log: Logger,
): Promise<MigrationReport> {
  const filters = [
    { Name: `tag:${STACK_TAG_KEY}`, Values: [from] },
    { Name: "tag-key", Values: [clusterTagKey(clusterName)] },
  ];
  const volumes = (await describeAllVolumes(ec2, filters)).map((v) => v.volumeId);
  const snapshots = (await describeAllSnapshots(ec2, filters)).map((s) => s.snapshotId);
  for (const batch of [volumes, snapshots]) {
    for (let i = 0; i < batch.length; i += 500) {
      await ec2.createTags({
        Resources: batch.slice(i, i + 500),
        Tags: [{ Key: STACK_TAG_KEY, Value: to }],
      });
    }
  }
  log(
    `stack tag ${from} -> ${to}: retagged ${volumes.length} volume(s) and ${snapshots.length} ` +
      `snapshot(s) of cluster ${clusterName}` +
      (volumes.length + snapshots.length > 0 ? ` (${[...volumes, ...snapshots].join(", ")})` : ""),
  );
  return { volumes, snapshots };
}
