/**
 * The leftover audit run after `pulumi destroy` (by a user, by CI, by the Automation API driver):
 * every resource that still carries this stack's tag, found through the Resource Groups Tagging
 * API and checked through the service APIs (volumes, snapshots, network interfaces, security
 * groups, load balancers, EFS). Anything billable that is not expected is a leftover.
 *
 * Snapshots taken by `snapshot` mode (tag `andyredis/cleanup=snapshot`) and volumes kept by
 * `retain` mode (`andyredis/cleanup=retained`) are billable but intended: they are reported
 * apart, and count as leftovers unless the caller says they are expected (`--expect-snapshots`,
 * `--expect-retained`). Strict by default, because "destroy gets back to zero" is what CI checks.
 *
 * An empty result is only an all-clear if the tag is right: the report counts what the tag
 * matched at all (`matched`), and when that is nothing, names the `andyredis/stack` values that
 * do exist in the region, flagging those that look like a mistyped tag or a wrong organization
 * (`lookAlikes`, a failure). Discovery goes through the hook's own finders (`network.ts`,
 * `volumes.ts`) with the audit's selection.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { EFSClient } from "@aws-sdk/client-efs";
import type {
  ElasticLoadBalancing,
  ElasticLoadBalancingClient,
} from "@aws-sdk/client-elastic-load-balancing";
import type {
  ElasticLoadBalancingV2,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { clusterTagKey, isStackTag, STACK_TAG_KEY } from "../tags";
import {
  findClassicLoadBalancers,
  findKubernetesSecurityGroups,
  findLoadBalancersV2,
  findNetworkInterfaces,
  findSecurityGroups,
  isKubernetesLoadBalancer,
  type TaggedRef,
} from "./network";
import { awsClientConfig, createAwsClients } from "./executor";
import { isStackResource, tagsToRecord } from "./plan";
import { allPages } from "./retry";
import {
  CLEANUP_TAG_KEY,
  CNI_CLUSTER_TAG_KEY,
  HOOK_SNAPSHOT_MARKER,
  RETAINED_MARKER,
} from "./types";
import { describeAllSnapshots, describeAllVolumes, listStackVolumes } from "./volumes";
import { ec2Sdk, efsSdk, taggingSdk } from "./sdk";

export type LeftoverKind =
  | "volume"
  | "snapshot"
  | "network-interface"
  | "security-group"
  | "load-balancer"
  | "file-system"
  | "other";

export interface LeftoverResource {
  readonly kind: LeftoverKind;
  /** Volume/snapshot/ENI/SG/EFS ID, classic ELB name, ELBv2 ARN, or the ARN's resource part. */
  readonly id: string;
  readonly arn?: string;
  /** `service:type` from the ARN, e.g. `ec2:natgateway` (for `other`). */
  readonly type: string;
  readonly state?: string;
  readonly billable: boolean;
  /** Kept on purpose by the hook: a `snapshot`-mode snapshot or a `retain`-mode volume. */
  readonly keptOnPurpose?: "snapshot" | "retained";
  /** Billable but expected by the caller's flags: reported, not a failure. */
  readonly expected: boolean;
  /** Found through the stack tag, or (with a cluster name) through the cluster's tags only. */
  readonly scope: "stack" | "cluster";
}

/** An `andyredis/stack` value present in the region, other than the audited one. */
export interface OtherStackTag {
  readonly value: string;
  /** EC2 resources carrying it (volumes, snapshots, ...); 0 when only the tagging API knew it. */
  readonly ec2Resources: number;
}

export interface AuditOptions {
  readonly region: string;
  /** `<org>/<project>/<stack>/<id>` (the stack identity): the value of the `andyredis/stack` tag. */
  readonly stackTag: string;
  /** Also list what Kubernetes created for this cluster (load balancers, SGs, interfaces). */
  readonly clusterName?: string;
  /** Snapshots taken by the hook's `snapshot` mode are expected. Defaults to false. */
  readonly expectSnapshots?: boolean;
  /** Volumes kept by the hook's `retain` mode are expected. Defaults to false. */
  readonly expectRetained?: boolean;
}

export interface AuditReport {
  readonly region: string;
  readonly stackTag: string;
  readonly resources: readonly LeftoverResource[];
  /** One line per billable, unexpected resource: non-empty means failure. */
  readonly leftovers: readonly string[];
  /** One line per billable resource kept on purpose and expected. */
  readonly expected: readonly string[];
  /** Tagging-API results the service APIs no longer know (recently deleted; not counted). */
  readonly stale: readonly string[];
  /**
   * How many resources the stack tag matched at all (kept, free and recently deleted ones
   * included). 0: the audit proves nothing unless the tag is right.
   */
  readonly matched: number;
  /** With `matched` 0: the other `andyredis/stack` values in the region. Otherwise empty. */
  readonly otherStackTags: readonly OtherStackTag[];
  /**
   * With `matched` 0: those of `otherStackTags` that look like the audited tag mistyped or under
   * another organization (one line each). Non-empty means failure.
   */
  readonly lookAlikes: readonly string[];
  /** No billable leftover and no look-alike tag. */
  readonly ok: boolean;
}

/** The audit's clients (the SDK's paginators need the clients themselves, for `send`). */
export interface AuditClients {
  readonly tagging: ResourceGroupsTaggingAPIClient;
  readonly ec2: EC2Client;
  readonly elbv2: ElasticLoadBalancingV2Client & Pick<ElasticLoadBalancingV2, "describeTags">;
  readonly elb: ElasticLoadBalancingClient & Pick<ElasticLoadBalancing, "describeTags">;
  readonly efs: EFSClient;
}

/** What an ARN names: its kind, the ID the service APIs use, and `service:type`. */
export function parseArn(arn: string): { kind: LeftoverKind; id: string; type: string } {
  const parts = arn.split(":");
  const service = parts[2] ?? "";
  const resource = parts.slice(5).join(":");
  const slash = resource.indexOf("/");
  const rtype = slash >= 0 ? resource.slice(0, slash) : resource;
  const rest = slash >= 0 ? resource.slice(slash + 1) : "";
  const type = `${service}:${rtype}`;
  switch (type) {
    case "ec2:volume":
      return { kind: "volume", id: rest, type };
    case "ec2:snapshot":
      return { kind: "snapshot", id: rest, type };
    case "ec2:network-interface":
      return { kind: "network-interface", id: rest, type };
    case "ec2:security-group":
      return { kind: "security-group", id: rest, type };
    case "elasticfilesystem:file-system":
      return { kind: "file-system", id: rest, type };
    case "elasticloadbalancing:loadbalancer":
      // ELBv2: loadbalancer/app|net|gwy/<name>/<id> (the ARN is its ID); classic: loadbalancer/<name>.
      return { kind: "load-balancer", id: rest.includes("/") ? arn : rest, type };
    default:
      return { kind: "other", id: resource, type };
  }
}

/** Resource types that cost nothing while they exist; anything not listed counts as billable. */
const FREE_TYPES = new Set([
  "ec2:security-group",
  "ec2:network-interface",
  "ec2:vpc",
  "ec2:subnet",
  "ec2:route-table",
  "ec2:internet-gateway",
  "ec2:network-acl",
  "ec2:dhcp-options",
  "ec2:launch-template",
  "ec2:key-pair",
  "ec2:placement-group",
  "ec2:security-group-rule",
]);

/** Whether a resource of this `service:type` is billable (unknown types are: better safe). */
export function isBillableType(type: string): boolean {
  return !FREE_TYPES.has(type);
}

/** The report line of one resource. */
export function describeLeftover(r: LeftoverResource): string {
  const extra = [
    r.state !== undefined ? r.state : undefined,
    r.keptOnPurpose !== undefined ? `kept by the hook: ${r.keptOnPurpose}` : undefined,
    r.scope === "cluster" ? "cluster-tagged, no stack tag" : undefined,
    r.billable ? "billable" : "free",
  ].filter((x): x is string => x !== undefined);
  return `${r.kind} ${r.id}${r.kind === "other" ? ` (${r.type})` : ""} [${extra.join(", ")}]`;
}

/** Whether a resource counts against the audit, given the caller's expectations. */
export function isExpected(
  keptOnPurpose: LeftoverResource["keptOnPurpose"],
  options: Pick<AuditOptions, "expectSnapshots" | "expectRetained">,
): boolean {
  return (
    (keptOnPurpose === "snapshot" && options.expectSnapshots === true) ||
    (keptOnPurpose === "retained" && options.expectRetained === true)
  );
}

/** The hook's marker on a resource, if any. */
export function keptOnPurposeOf(
  kind: LeftoverKind,
  tags: Readonly<Record<string, string>>,
): LeftoverResource["keptOnPurpose"] {
  const marker = tags[CLEANUP_TAG_KEY];
  if (kind === "snapshot" && marker === HOOK_SNAPSHOT_MARKER) return "snapshot";
  if (kind === "volume" && marker === RETAINED_MARKER) return "retained";
  return undefined;
}

/** A found resource, before classification. */
export interface FoundResource {
  readonly kind: LeftoverKind;
  readonly id: string;
  readonly type: string;
  readonly arn?: string;
  readonly state?: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly scope: "stack" | "cluster";
}

/**
 * Merges what the tagging API and the service APIs found and classifies it. A tagging-API ARN of
 * a kind the service APIs cover but did not find is stale (the tagging API lags deletions).
 */
export function classifyFound(
  fromTagging: readonly { readonly arn: string; readonly tags: Readonly<Record<string, string>> }[],
  fromServices: readonly FoundResource[],
  options: AuditOptions,
  otherStackTags: readonly OtherStackTag[] = [],
): AuditReport {
  const byKey = new Map<string, FoundResource>();
  for (const f of fromServices) byKey.set(`${f.kind}:${f.id}`, f);
  const stale: string[] = [];
  for (const t of fromTagging) {
    const p = parseArn(t.arn);
    const key = `${p.kind}:${p.id}`;
    if (byKey.has(key)) continue;
    if (p.kind !== "other") {
      stale.push(`${p.kind} ${p.id}`);
      continue;
    }
    byKey.set(key, { ...p, arn: t.arn, tags: t.tags, scope: "stack" });
  }
  const resources: LeftoverResource[] = [...byKey.values()].map((f) => {
    const keptOnPurpose = keptOnPurposeOf(f.kind, f.tags);
    const billable =
      isBillableType(f.type) && !(f.kind === "network-interface" && f.state === "available");
    return {
      kind: f.kind,
      id: f.id,
      arn: f.arn,
      type: f.type,
      state: f.state,
      billable,
      keptOnPurpose,
      expected: isExpected(keptOnPurpose, options),
      scope: f.scope,
    };
  });
  resources.sort((a, b) => `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`));
  const leftovers = resources.filter((r) => r.billable && !r.expected).map(describeLeftover);
  const expected = resources.filter((r) => r.billable && r.expected).map(describeLeftover);
  const matched = resources.filter((r) => r.scope === "stack").length + stale.length;
  const others = matched === 0 ? otherStackTags.filter((o) => o.value !== options.stackTag) : [];
  const lookAlikes = others
    .filter((o) => looksLikeStackTag(o.value, options.stackTag))
    .map(
      (o) =>
        `andyredis/stack=${o.value} (${o.ec2Resources} EC2 resource(s)) looks like ` +
        `${options.stackTag}: is the tag mistyped, or under another organization?`,
    );
  return {
    region: options.region,
    stackTag: options.stackTag,
    resources,
    leftovers,
    expected,
    stale,
    matched,
    otherStackTags: others,
    lookAlikes,
    ok: leftovers.length === 0 && lookAlikes.length === 0,
  };
}

/** The Levenshtein distance of two strings (for look-alike tags; short inputs). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * Whether another stack tag looks like the audited one gone wrong: the same project and stack
 * under another organization (the file backend's is `organization`), the same value in another
 * case, or a typo (at most 2 edits).
 */
export function looksLikeStackTag(other: string, audited: string): boolean {
  if (other === audited) return false;
  const [, ...projectStack] = other.split("/");
  const [, ...auditedProjectStack] = audited.split("/");
  if (projectStack.length === 2 && projectStack.join("/") === auditedProjectStack.join("/")) {
    return true;
  }
  return editDistance(other.toLowerCase(), audited.toLowerCase()) <= 2;
}

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

/** A finder's result as a found resource of the audit. */
function found(
  kind: LeftoverKind,
  type: string,
  ref: TaggedRef,
  stackTag: string,
  arn?: string,
): FoundResource {
  const scope = isStackResource(ref.tags, stackTag) ? "stack" : "cluster";
  return { kind, id: ref.id, type, arn, state: ref.state, tags: ref.tags, scope };
}

/**
 * What the service APIs find with the stack tag (and, with a cluster name, what carries the
 * cluster's tags but not the stack's: load balancers, security groups and interfaces Kubernetes
 * created, and volumes the CSI driver created without the stack tag, which is what a missing
 * extra-tags setting of the add-on would leak).
 */
export async function serviceResources(
  clients: AuditClients,
  options: AuditOptions,
): Promise<FoundResource[]> {
  const { ec2, elbv2, elb, efs } = clients;
  const stackTag = options.stackTag;
  const cluster = options.clusterName;
  const isStack = (tags: Readonly<Record<string, string>>): boolean =>
    isStackResource(tags, stackTag);
  const stackFilter = [{ Name: `tag:${STACK_TAG_KEY}`, Values: [stackTag] }];
  const out: FoundResource[] = [];

  const volumes = [...(await listStackVolumes(ec2, stackTag)).filter((v) => isStack(v.tags))];
  if (cluster) {
    const clusterVolumes = await describeAllVolumes(ec2, [
      { Name: "tag-key", Values: [clusterTagKey(cluster)] },
    ]);
    volumes.push(...clusterVolumes.filter((v) => v.tags[STACK_TAG_KEY] === undefined));
  }
  for (const v of volumes) {
    const ref = { id: v.volumeId, name: "", tags: v.tags, state: v.state };
    out.push(found("volume", "ec2:volume", ref, stackTag));
  }

  for (const snap of await describeAllSnapshots(ec2, stackFilter)) {
    if (!isStack(snap.tags)) continue;
    const ref = { id: snap.snapshotId, name: "", tags: snap.tags, state: snap.state };
    out.push(found("snapshot", "ec2:snapshot", ref, stackTag));
  }

  const eniFilters = [stackFilter];
  if (cluster) eniFilters.push([{ Name: `tag:${CNI_CLUSTER_TAG_KEY}`, Values: [cluster] }]);
  for (const filters of eniFilters) {
    for (const n of await findNetworkInterfaces(ec2, filters, () => true)) {
      out.push(found("network-interface", "ec2:network-interface", n, stackTag));
    }
  }

  for (const g of await findSecurityGroups(ec2, stackFilter, isStack)) {
    out.push(found("security-group", "ec2:security-group", g, stackTag));
  }
  if (cluster) {
    for (const g of await findKubernetesSecurityGroups(ec2, cluster)) {
      out.push(found("security-group", "ec2:security-group", g, stackTag));
    }
  }

  // Load balancers: one listing each, selecting the stack's and (with a cluster) Kubernetes'.
  const lbSelect = (tags: Readonly<Record<string, string>>): boolean =>
    isStack(tags) || (cluster !== undefined && isKubernetesLoadBalancer(tags, cluster));
  const lbType = "elasticloadbalancing:loadbalancer";
  for (const lb of await findLoadBalancersV2(elbv2, lbSelect)) {
    out.push(found("load-balancer", lbType, lb, stackTag, lb.id));
  }
  for (const lb of await findClassicLoadBalancers(elb, lbSelect)) {
    out.push(found("load-balancer", lbType, lb, stackTag));
  }

  const { paginateDescribeFileSystems } = efsSdk();
  const fileSystems = await allPages(
    paginateDescribeFileSystems({ client: efs }, {}),
    (page) => page.FileSystems,
  );
  for (const fs of fileSystems) {
    const tags = tagsToRecord(fs.Tags);
    if (!fs.FileSystemId || !isStack(tags)) continue;
    const ref = { id: fs.FileSystemId, name: "", tags, state: fs.LifeCycleState };
    out.push(
      found("file-system", "elasticfilesystem:file-system", ref, stackTag, fs.FileSystemArn),
    );
  }

  // The same resource can come from two lookups (an ENI from both filters, a security group from
  // the stack tag and the cluster tag): the first entry stands.
  const unique = new Map<string, FoundResource>();
  for (const f of out) if (!unique.has(`${f.kind}:${f.id}`)) unique.set(`${f.kind}:${f.id}`, f);
  return [...unique.values()];
}

/**
 * The real clients for a region (endpoint and credentials from the usual AWS env/config): the
 * hook's EC2 and load balancer clients, plus the tagging API and EFS that only the audit reads.
 */
export function createAuditClients(region: string): AuditClients {
  const { EFS } = efsSdk();
  const { ResourceGroupsTaggingAPI } = taggingSdk();
  const { ec2, elbv2, elb } = createAwsClients(region);
  const common = awsClientConfig(region);
  return { tagging: new ResourceGroupsTaggingAPI(common), ec2, elbv2, elb, efs: new EFS(common) };
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
