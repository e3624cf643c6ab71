/**
 * Network interfaces: the audit's are the stack's and, with a cluster name, the VPC CNI's; the
 * hook deletes the CNI's detached (`available`) ones in the stack's VPC (pulumi/pulumi-eks#194).
 * Free while they exist, but a leftover one blocks the deletion of its subnet.
 */
import type { EC2, EC2Client, Filter } from "@aws-sdk/client-ec2";
import { CNI_CLUSTER_TAG_KEY, STACK_TAG_KEY } from "../../tags";
import type { Logger } from "../hookTypes";
import { tagsToRecord } from "../plan";
import { allPages, errorName, isNotFound } from "../retry";
import { ec2Sdk } from "../io/sdk";
import { isPulumiManaged, vpcFilter, type TaggedRef, type TagSelector } from "./kubernetesOwned";
import { defineTarget } from "./target";

/** Whether a network interface is a detached leftover of the VPC CNI for this cluster. */
export function isLeftoverCniInterface(
  tags: Readonly<Record<string, string>>,
  status: string,
  clusterName: string,
): boolean {
  return (
    tags[CNI_CLUSTER_TAG_KEY] === clusterName && status === "available" && !isPulumiManaged(tags)
  );
}

/** Network interfaces matching the EC2 `filters` whose tags (and status) `select` accepts. */
export async function findNetworkInterfaces(
  ec2: EC2Client,
  filters: Filter[],
  select: TagSelector,
): Promise<TaggedRef[]> {
  const { paginateDescribeNetworkInterfaces } = ec2Sdk();
  const enis = await allPages(
    paginateDescribeNetworkInterfaces({ client: ec2, pageSize: 1000 }, { Filters: filters }),
    (page) => page.NetworkInterfaces,
  );
  const selected: TaggedRef[] = [];
  for (const n of enis) {
    if (!n.NetworkInterfaceId) continue;
    const ref = {
      id: n.NetworkInterfaceId,
      name: n.Description ?? "",
      tags: tagsToRecord(n.TagSet),
      state: n.Status,
    };
    if (select(ref.tags, ref)) selected.push(ref);
  }
  return selected;
}

/** The VPC CNI's detached (`available`) interfaces of the cluster (in `vpcId`, when given). */
export function findLeftoverCniInterfaces(
  ec2: EC2Client,
  clusterName: string,
  vpcId?: string,
): Promise<TaggedRef[]> {
  return findNetworkInterfaces(
    ec2,
    [
      { Name: `tag:${CNI_CLUSTER_TAG_KEY}`, Values: [clusterName] },
      { Name: "status", Values: ["available"] },
      ...vpcFilter(vpcId),
    ],
    (tags, n) => isLeftoverCniInterface(tags, n.state ?? "", clusterName),
  );
}

/** Deletes the CNI's detached interfaces of the cluster; one in use again is left alone. */
export async function deleteLeftoverCniInterfaces(
  ec2: EC2Client & Pick<EC2, "deleteNetworkInterface">,
  clusterName: string,
  vpcId: string,
  log: Logger,
): Promise<string[]> {
  const deleted: string[] = [];
  for (const { id } of await findLeftoverCniInterfaces(ec2, clusterName, vpcId)) {
    try {
      await ec2.deleteNetworkInterface({ NetworkInterfaceId: id });
      deleted.push(id);
      log(`  deleted network interface ${id}`);
    } catch (err) {
      if (isNotFound(err)) continue;
      if (errorName(err) === "InvalidNetworkInterface.InUse") {
        log(`  network interface ${id} is in use again: left alone`);
        continue;
      }
      throw err;
    }
  }
  return deleted;
}

export const networkInterface = defineTarget({
  kind: "network-interface",
  arnType: "ec2:network-interface",
  billable: false,
  async find({ ec2 }, { stackTag, clusterName }) {
    const filters = [[{ Name: `tag:${STACK_TAG_KEY}`, Values: [stackTag] }]];
    if (clusterName) filters.push([{ Name: `tag:${CNI_CLUSTER_TAG_KEY}`, Values: [clusterName] }]);
    const out: TaggedRef[] = [];
    for (const f of filters) out.push(...(await findNetworkInterfaces(ec2, f, () => true)));
    return out;
  },
  deletion: {
    step: "network",
    reportKey: "networkInterfacesDeleted",
    async run({ clients, settings, log }) {
      const deleted = await deleteLeftoverCniInterfaces(
        clients.ec2,
        settings.clusterName,
        settings.vpcId,
        log,
      );
      return { selected: [], deleted };
    },
  },
});
