/**
 * The leftover audit run after `pulumi destroy` (by a user, by CI, by the Automation API driver):
 * every resource that still carries this stack's tag, found through the Resource Groups Tagging
 * API and checked through the service APIs, one finder per cleanup target (`targets/`). Anything
 * billable that is not expected is a leftover (the classification: `leftovers.ts`).
 */
import type { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { isStackTag, STACK_TAG_KEY } from "../../tags";
import { createAuditClients } from "./awsClients";
import { ec2Sdk, taggingSdk } from "./sdk";
import {
  classifyFound,
  type AuditClients,
  type AuditOptions,
  type AuditReport,
  type FoundResource,
  type OtherStackTag,
} from "../leftovers";
import { isStackResource, tagsToRecord } from "../plan";
import { allPages } from "../retry";
import { TARGETS } from "../targets";

/** Every ARN tagged with the stack tag, through the Resource Groups Tagging API. */
export async function taggedArns(
  tagging: ResourceGroupsTaggingAPIClient,
  stackTag: string,
): Promise<{ arn: string; tags: Record<string, string> }[]> {
  const { paginateGetResources } = taggingSdk();
  const mappings = await allPages(
    paginateGetResources(
      { client: tagging, pageSize: 100 },
      { TagFilters: [{ Key: STACK_TAG_KEY, Values: [stackTag] }] },
    ),
    (page) => page.ResourceTagMappingList,
  );
  const out: { arn: string; tags: Record<string, string> }[] = [];
  for (const m of mappings) {
    const tags = tagsToRecord(m.Tags);
    if (m.ResourceARN && isStackResource(tags, stackTag)) out.push({ arn: m.ResourceARN, tags });
  }
  return out;
}

/**
 * The `andyredis/stack` values present in the region: from EC2's tag listing (with a count of
 * resources each) and the tagging API's value list (which covers the other services).
 */
export async function stackTagValues(
  clients: Pick<AuditClients, "ec2" | "tagging">,
): Promise<OtherStackTag[]> {
  const { paginateDescribeTags } = ec2Sdk();
  const { paginateGetTagValues } = taggingSdk();
  const counts = new Map<string, number>();
  const ec2Tags = await allPages(
    paginateDescribeTags(
      { client: clients.ec2, pageSize: 1000 },
      { Filters: [{ Name: "key", Values: [STACK_TAG_KEY] }] },
    ),
    (page) => page.Tags,
  );
  for (const t of ec2Tags) {
    if (t.Value !== undefined) counts.set(t.Value, (counts.get(t.Value) ?? 0) + 1);
  }
  const values = await allPages(
    paginateGetTagValues({ client: clients.tagging }, { Key: STACK_TAG_KEY }),
    (page) => page.TagValues,
  );
  for (const v of values) if (!counts.has(v)) counts.set(v, 0);
  return [...counts.entries()]
    .map(([value, ec2Resources]) => ({ value, ec2Resources }))
    .sort((a, b) => a.value.localeCompare(b.value));
}

/**
 * What the service APIs find with the stack tag (and, with a cluster name, what carries the
 * cluster's tags but not the stack's): each target's finder, in registry order.
 */
export async function serviceResources(
  clients: AuditClients,
  options: AuditOptions,
): Promise<FoundResource[]> {
  const out: FoundResource[] = [];
  for (const target of TARGETS) {
    for (const ref of await target.find(clients, options)) {
      out.push({
        kind: target.kind,
        id: ref.id,
        type: target.arnType,
        arn: ref.arn,
        state: ref.state,
        tags: ref.tags,
        scope: isStackResource(ref.tags, options.stackTag) ? "stack" : "cluster",
      });
    }
  }
  // The same resource can come from two lookups (an ENI from both filters, a security group from
  // the stack tag and the cluster tag): the first entry stands.
  const unique = new Map<string, FoundResource>();
  for (const f of out) if (!unique.has(`${f.kind}:${f.id}`)) unique.set(`${f.kind}:${f.id}`, f);
  return [...unique.values()];
}

/**
 * Runs the audit. `clients` defaults to real ones for `options.region`. Throws on an API error
 * (a failed audit must never look like a clean one).
 */
export async function auditLeftovers(
  options: AuditOptions,
  clients: AuditClients = createAuditClients(options.region),
): Promise<AuditReport> {
  const problems: string[] = [];
  if (!options.region) problems.push("region: required (flag --region, or AWS_REGION)");
  if (!isStackTag(options.stackTag)) {
    problems.push(
      `stackTag: got ${JSON.stringify(options.stackTag)}, expected <org>/<project>/<stack>/<id> ` +
        "(or a legacy <org>/<project>/<stack>; flag --stack-tag, or ANDYREDIS_STACK_TAG)",
    );
  }
  if (problems.length > 0) throw new Error(`audit:\n  ${problems.join("\n  ")}`);
  const tagged = await taggedArns(clients.tagging, options.stackTag);
  const services = await serviceResources(clients, options);
  const report = classifyFound(tagged, services, options);
  if (report.matched > 0) return report;
  // Nothing matched: say which stack tags do exist, so a wrong tag cannot pass for a clean one.
  return classifyFound(tagged, services, options, await stackTagValues(clients));
}
