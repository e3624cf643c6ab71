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
 */
import type { EC2 } from "@aws-sdk/client-ec2";
import type { EFS } from "@aws-sdk/client-efs";
import type { ElasticLoadBalancing } from "@aws-sdk/client-elastic-load-balancing";
import type { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ResourceGroupsTaggingAPI } from "@aws-sdk/client-resource-groups-tagging-api";
import { STACK_TAG_KEY } from "../tags";
import {
  findKubernetesClassicLoadBalancers,
  findKubernetesLoadBalancersV2,
  findKubernetesSecurityGroups,
} from "./network";
import { createAwsClients } from "./executor";
import { isStackResource, tagsToRecord } from "./plan";
import { systemClock, withRetry } from "./retry";
import { CLEANUP_TAG_KEY, CNI_CLUSTER_TAG_KEY, type Clock } from "./types";
import { listStackVolumes } from "./volumes";

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

export interface AuditOptions {
  readonly region: string;
  /** `<org>/<project>/<stack>`: the value of the `andyredis/stack` tag. */
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
  readonly ok: boolean;
}

export interface AuditClients {
  readonly tagging: Pick<ResourceGroupsTaggingAPI, "getResources">;
  readonly ec2: Pick<
    EC2,
    "describeVolumes" | "describeSnapshots" | "describeNetworkInterfaces" | "describeSecurityGroups"
  >;
  readonly elbv2: Pick<ElasticLoadBalancingV2, "describeLoadBalancers" | "describeTags">;
  readonly elb: Pick<ElasticLoadBalancing, "describeLoadBalancers" | "describeTags">;
  readonly efs: Pick<EFS, "describeFileSystems">;
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
  if (kind === "snapshot" && marker === "snapshot") return "snapshot";
  if (kind === "volume" && marker === "retained") return "retained";
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
  return {
    region: options.region,
    stackTag: options.stackTag,
    resources,
    leftovers,
    expected,
    stale,
    ok: leftovers.length === 0,
  };
}

/** Every ARN tagged with the stack tag, through the Resource Groups Tagging API. */
export async function taggedArns(
  tagging: AuditClients["tagging"],
  stackTag: string,
  clock: Clock,
): Promise<{ arn: string; tags: Record<string, string> }[]> {
  const out: { arn: string; tags: Record<string, string> }[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        tagging.getResources({
          TagFilters: [{ Key: STACK_TAG_KEY, Values: [stackTag] }],
          ResourcesPerPage: 100,
          PaginationToken: token,
        }),
      clock,
    );
    for (const m of page.ResourceTagMappingList ?? []) {
      const tags = tagsToRecord(m.Tags);
      if (m.ResourceARN && isStackResource(tags, stackTag)) out.push({ arn: m.ResourceARN, tags });
    }
    token = page.PaginationToken || undefined;
  } while (token);
  return out;
}

/** What the service APIs find with the stack tag (and, with a cluster name, the cluster's). */
export async function serviceResources(
  clients: AuditClients,
  options: AuditOptions,
  clock: Clock,
): Promise<FoundResource[]> {
  const { ec2, elbv2, elb, efs } = clients;
  const stackTag = options.stackTag;
  const wait = { clock };
  const found: FoundResource[] = [];
  const stackFilter = [{ Name: `tag:${STACK_TAG_KEY}`, Values: [stackTag] }];

  for (const v of await listStackVolumes(ec2, stackTag, wait)) {
    if (!isStackResource(v.tags, stackTag)) continue;
    found.push({
      kind: "volume",
      id: v.volumeId,
      type: "ec2:volume",
      state: v.state,
      tags: v.tags,
      scope: "stack",
    });
  }
  let token: string | undefined;
  do {
    const page = await withRetry(
      () => ec2.describeSnapshots({ OwnerIds: ["self"], Filters: stackFilter, NextToken: token }),
      clock,
    );
    for (const s of page.Snapshots ?? []) {
      const tags = tagsToRecord(s.Tags);
      if (s.SnapshotId && isStackResource(tags, stackTag)) {
        found.push({
          kind: "snapshot",
          id: s.SnapshotId,
          type: "ec2:snapshot",
          state: s.State,
          tags,
          scope: "stack",
        });
      }
    }
    token = page.NextToken;
  } while (token);

  const eniFilters: { Name: string; Values: string[] }[][] = [stackFilter];
  if (options.clusterName)
    eniFilters.push([{ Name: `tag:${CNI_CLUSTER_TAG_KEY}`, Values: [options.clusterName] }]);
  for (const filters of eniFilters) {
    token = undefined;
    do {
      const page = await withRetry(
        () => ec2.describeNetworkInterfaces({ Filters: filters, NextToken: token }),
        clock,
      );
      for (const n of page.NetworkInterfaces ?? []) {
        const tags = tagsToRecord(n.TagSet);
        if (!n.NetworkInterfaceId) continue;
        const scope = isStackResource(tags, stackTag) ? "stack" : "cluster";
        found.push({
          kind: "network-interface",
          id: n.NetworkInterfaceId,
          type: "ec2:network-interface",
          state: n.Status,
          tags,
          scope,
        });
      }
      token = page.NextToken;
    } while (token);
  }

  token = undefined;
  do {
    const page = await withRetry(
      () => ec2.describeSecurityGroups({ Filters: stackFilter, NextToken: token }),
      clock,
    );
    for (const g of page.SecurityGroups ?? []) {
      const tags = tagsToRecord(g.Tags);
      if (g.GroupId && isStackResource(tags, stackTag)) {
        found.push({
          kind: "security-group",
          id: g.GroupId,
          type: "ec2:security-group",
          tags,
          scope: "stack",
        });
      }
    }
    token = page.NextToken;
  } while (token);

  // Load balancers: list all, then read their tags (the describe calls take no tag filter).
  const lbTagKeyMatch = (tags: Readonly<Record<string, string>>): boolean =>
    isStackResource(tags, stackTag);
  let marker: string | undefined;
  const v2: { arn: string; state?: string }[] = [];
  do {
    const page = await withRetry(() => elbv2.describeLoadBalancers({ Marker: marker }), clock);
    for (const lb of page.LoadBalancers ?? []) {
      if (lb.LoadBalancerArn) v2.push({ arn: lb.LoadBalancerArn, state: lb.State?.Code });
    }
    marker = page.NextMarker;
  } while (marker);
  for (let i = 0; i < v2.length; i += 20) {
    const batch = v2.slice(i, i + 20);
    const tags = await withRetry(
      () => elbv2.describeTags({ ResourceArns: batch.map((b) => b.arn) }),
      clock,
    );
    for (const d of tags.TagDescriptions ?? []) {
      const rec = tagsToRecord(d.Tags);
      if (d.ResourceArn && lbTagKeyMatch(rec)) {
        const state = batch.find((b) => b.arn === d.ResourceArn)?.state;
        found.push({
          kind: "load-balancer",
          id: d.ResourceArn,
          arn: d.ResourceArn,
          type: "elasticloadbalancing:loadbalancer",
          state,
          tags: rec,
          scope: "stack",
        });
      }
    }
  }
  marker = undefined;
  const classic: string[] = [];
  do {
    const page = await withRetry(() => elb.describeLoadBalancers({ Marker: marker }), clock);
    for (const lb of page.LoadBalancerDescriptions ?? [])
      if (lb.LoadBalancerName) classic.push(lb.LoadBalancerName);
    marker = page.NextMarker;
  } while (marker);
  for (let i = 0; i < classic.length; i += 20) {
    const tags = await withRetry(
      () => elb.describeTags({ LoadBalancerNames: classic.slice(i, i + 20) }),
      clock,
    );
    for (const d of tags.TagDescriptions ?? []) {
      const rec = tagsToRecord(d.Tags);
      if (d.LoadBalancerName && lbTagKeyMatch(rec)) {
        found.push({
          kind: "load-balancer",
          id: d.LoadBalancerName,
          type: "elasticloadbalancing:loadbalancer",
          tags: rec,
          scope: "stack",
        });
      }
    }
  }

  marker = undefined;
  do {
    const page = await withRetry(() => efs.describeFileSystems({ Marker: marker }), clock);
    for (const fs of page.FileSystems ?? []) {
      const tags = tagsToRecord(fs.Tags);
      if (fs.FileSystemId && isStackResource(tags, stackTag)) {
        found.push({
          kind: "file-system",
          id: fs.FileSystemId,
          arn: fs.FileSystemArn,
          type: "elasticfilesystem:file-system",
          state: fs.LifeCycleState,
          tags,
          scope: "stack",
        });
      }
    }
    marker = page.NextMarker;
  } while (marker);

  if (options.clusterName) {
    // What Kubernetes created for the cluster carries its tags, not necessarily the stack's. A
    // resource already found by the stack tag keeps that entry: the dedupe below keeps the first.
    const scope = "cluster";
    const lbType = "elasticloadbalancing:loadbalancer";
    const v2 = await findKubernetesLoadBalancersV2(elbv2, options.clusterName, wait);
    const classic = await findKubernetesClassicLoadBalancers(elb, options.clusterName, wait);
    const groups = await findKubernetesSecurityGroups(ec2, options.clusterName, wait);
    found.push(
      ...v2.map(
        (lb) =>
          ({
            kind: "load-balancer",
            id: lb.id,
            arn: lb.id,
            type: lbType,
            tags: lb.tags,
            scope,
          }) as const,
      ),
      ...classic.map(
        (lb) => ({ kind: "load-balancer", id: lb.id, type: lbType, tags: lb.tags, scope }) as const,
      ),
      ...groups.map(
        (g) =>
          ({
            kind: "security-group",
            id: g.id,
            type: "ec2:security-group",
            tags: g.tags,
            scope,
          }) as const,
      ),
    );
  }
  // The same resource can come from two lookups (an ENI from both filters, a load balancer from
  // the stack tag and the cluster tag): the first entry stands.
  const unique = new Map<string, FoundResource>();
  for (const f of found) if (!unique.has(`${f.kind}:${f.id}`)) unique.set(`${f.kind}:${f.id}`, f);
  return [...unique.values()];
}

/**
 * The real clients for a region (endpoint and credentials from the usual AWS env/config): the
 * hook's EC2 and load balancer clients, plus the tagging API and EFS that only the audit reads.
 */
export function createAuditClients(region: string): AuditClients {
  /* eslint-disable @typescript-eslint/no-require-imports -- kept lazy like the hook's (types.ts) */
  const { EFS } = require("@aws-sdk/client-efs") as typeof import("@aws-sdk/client-efs");
  const { ResourceGroupsTaggingAPI } =
    require("@aws-sdk/client-resource-groups-tagging-api") as typeof import("@aws-sdk/client-resource-groups-tagging-api");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { ec2, elbv2, elb } = createAwsClients(region);
  const common = { region, maxAttempts: 8 };
  return { tagging: new ResourceGroupsTaggingAPI(common), ec2, elbv2, elb, efs: new EFS(common) };
}

/**
 * Runs the audit. `clients` defaults to real ones for `options.region`. Throws on an API error
 * (a failed audit must never look like a clean one).
 */
export async function auditLeftovers(
  options: AuditOptions,
  clients: AuditClients = createAuditClients(options.region),
  clock: Clock = systemClock,
): Promise<AuditReport> {
  const problems: string[] = [];
  if (!options.region) problems.push("region: required (flag --region, or AWS_REGION)");
  if (!/^[^/]+\/[^/]+\/[^/]+$/.test(options.stackTag)) {
    problems.push(
      `stackTag: got ${JSON.stringify(options.stackTag)}, expected <org>/<project>/<stack> ` +
        "(flag --stack-tag, or ANDYREDIS_STACK_TAG)",
    );
  }
  if (problems.length > 0) throw new Error(`audit:\n  ${problems.join("\n  ")}`);
  const tagged = await taggedArns(clients.tagging, options.stackTag, clock);
  const services = await serviceResources(clients, options, clock);
  return classifyFound(tagged, services, options);
}
