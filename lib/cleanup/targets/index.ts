/**
 * The registry of cleanup targets: every kind of resource the destroy hook deletes or the
 * leftover audit reports, one file each. The audit finds and classifies by this list, the
 * hook's network step deletes in its order (load balancers before the security groups they
 * use). A new kind is one file here and one entry below.
 */
import { fileSystem } from "./efsFileSystem";
import { loadBalancer } from "./elasticLoadBalancer";
import { networkInterface } from "./networkInterface";
import { securityGroup } from "./securityGroup";
import { snapshot } from "./snapshot";
import type { CleanupTarget } from "./target";
import { volume } from "./volume";

export const TARGETS = [
  volume,
  snapshot,
  loadBalancer,
  networkInterface,
  securityGroup,
  fileSystem,
] as const;

/** The kinds of the targets. */
export type TargetKind = (typeof TARGETS)[number]["kind"];

/**
 * Resource types no target covers that cost nothing while they exist (the tagging API lists
 * them as `other`); any other type counts as billable.
 */
export const FREE_UNTARGETED_TYPES: ReadonlySet<string> = new Set([
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

/** The target of an ARN's `service:type`, if any. */
export function targetOfType(type: string): CleanupTarget<TargetKind> | undefined {
  return TARGETS.find((t) => t.arnType === type);
}

/** The target of a kind, if any (`other` has none). */
export function targetOfKind(kind: string): CleanupTarget<TargetKind> | undefined {
  return TARGETS.find((t) => t.kind === kind);
}

export type { CleanupTarget, FoundRef, NetworkStepContext } from "./target";
