/**
 * The pure half of the leftover audit: what a tagged resource is (`parseArn`, by the targets'
 * ARN forms), whether it is billed or kept on purpose, and the report (`classifyFound`). The
 * finding is in `leftoverAudit.ts`, through each target's finder (`targets/`).
 *
 * Snapshots taken by `snapshot` mode (tag `andyredis/cleanup=snapshot`) and volumes kept by
 * `retain` mode (`andyredis/cleanup=retained`) are billable but intended: they are reported
 * apart, and count as leftovers unless the caller says they are expected (`--expect-snapshots`,
 * `--expect-retained`). Strict by default, because "destroy gets back to zero" is what CI checks.
 *
 * An empty result is only an all-clear if the tag is right: the report counts what the tag
 * matched at all (`matched`), and when that is nothing, names the `andyredis/stack` values that
 * do exist in the region, flagging those that look like a mistyped tag or a wrong organization
 * (`lookAlikes`, a failure).
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
import { FREE_UNTARGETED_TYPES, targetOfKind, targetOfType, type TargetKind } from "./targets";
import { editDistance } from "../editDistance";

/** A target's kind (`targets/`), or `other`: a tagged resource of a type no target covers. */
export type LeftoverKind = TargetKind | "other";

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
  const target = targetOfType(type);
  if (target === undefined) return { kind: "other", id: resource, type };
  return { kind: target.kind, id: target.idFromArn ? target.idFromArn(rest, arn) : rest, type };
}

/** Whether a resource of this `service:type` is billable (unknown types are: better safe). */
export function isBillableType(type: string): boolean {
  const target = targetOfType(type);
  return target !== undefined ? target.billable : !FREE_UNTARGETED_TYPES.has(type);
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
  return targetOfKind(kind)?.keptOnPurpose?.(tags);
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
    const billable = isBillableType(f.type);
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
