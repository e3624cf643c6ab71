/**
 * EBS volumes: the audit's are the stack's and, with a cluster name, those the cluster's CSI
 * driver made without the stack tag (what a missing extra-tags setting of the add-on would
 * leak). The hook's volume step (`../volumes.ts`) deletes, snapshots or keeps the release's, by
 * the mode; a kept one carries `andyredis/cleanup=retained`.
 */
import { CLEANUP_TAG_KEY, clusterTagKey, RETAINED_MARKER, STACK_TAG_KEY } from "../../tags";
import { isStackResource } from "../plan";
import { describeAllVolumes, listStackVolumes } from "../volumes";
import { defineTarget, type FoundRef } from "./target";

export const volume = defineTarget({
  kind: "volume",
  arnType: "ec2:volume",
  billable: true,
  keptOnPurpose: (tags) => (tags[CLEANUP_TAG_KEY] === RETAINED_MARKER ? "retained" : undefined),
  async find({ ec2 }, { stackTag, clusterName }) {
    const volumes = (await listStackVolumes(ec2, stackTag)).filter((v) =>
      isStackResource(v.tags, stackTag),
    );
    if (clusterName) {
      const clusterVolumes = await describeAllVolumes(ec2, [
        { Name: "tag-key", Values: [clusterTagKey(clusterName)] },
      ]);
      volumes.push(...clusterVolumes.filter((v) => v.tags[STACK_TAG_KEY] === undefined));
    }
    return volumes.map((v): FoundRef => ({ id: v.volumeId, tags: v.tags, state: v.state }));
  },
  deletion: { step: "volumes" },
});
