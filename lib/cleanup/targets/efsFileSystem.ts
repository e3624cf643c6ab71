/** EFS file systems with the stack tag (the optional shared volume, `components/efs.ts`). */
import { efsSdk } from "../io/sdk";
import { isStackResource, tagsToRecord } from "../plan";
import { allPages } from "../retry";
import { defineTarget, type FoundRef } from "./target";

export const fileSystem = defineTarget({
  kind: "file-system",
  arnType: "elasticfilesystem:file-system",
  billable: true,
  async find({ efs }, { stackTag }) {
    const { paginateDescribeFileSystems } = efsSdk();
    const fileSystems = await allPages(
      paginateDescribeFileSystems({ client: efs }, {}),
      (page) => page.FileSystems,
    );
    const out: FoundRef[] = [];
    for (const fs of fileSystems) {
      const tags = tagsToRecord(fs.Tags);
      if (!fs.FileSystemId || !isStackResource(tags, stackTag)) continue;
      out.push({ id: fs.FileSystemId, arn: fs.FileSystemArn, tags, state: fs.LifeCycleState });
    }
    return out;
  },
  deletion: { step: "none", why: "Pulumi deletes the file system it created" },
});
