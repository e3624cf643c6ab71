/**
 * EBS snapshots with the stack tag: those the hook took in `snapshot` mode (marked
 * `andyredis/cleanup=snapshot`, kept on purpose), and any other (the CSI driver's
 * `VolumeSnapshot` backups). The hook's volume step (`../volumes.ts`) takes them; it never
 * deletes one.
 */
import { CLEANUP_TAG_KEY, HOOK_SNAPSHOT_MARKER, STACK_TAG_KEY } from "../../tags";
import { isStackResource } from "../plan";
import { describeAllSnapshots } from "../volumes";
import { defineTarget, type FoundRef } from "./target";

export const snapshot = defineTarget({
  kind: "snapshot",
  arnType: "ec2:snapshot",
  billable: true,
  keptOnPurpose: (tags) =>
    tags[CLEANUP_TAG_KEY] === HOOK_SNAPSHOT_MARKER ? "snapshot" : undefined,
  async find({ ec2 }, { stackTag }) {
    const snapshots = await describeAllSnapshots(ec2, [
      { Name: `tag:${STACK_TAG_KEY}`, Values: [stackTag] },
    ]);
    return snapshots
      .filter((s) => isStackResource(s.tags, stackTag))
      .map((s): FoundRef => ({ id: s.snapshotId, tags: s.tags, state: s.state }));
  },
  deletion: { step: "volumes" },
});
