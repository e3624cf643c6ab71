/**
 * What the cleanup knows about one kind of leftover, in one place: its ARN form, whether it is
 * billed, how the audit finds it, and how (or whether) the destroy hook deletes it. One file per
 * kind in this folder, listed once in `index.ts`; the audit (`leftoverAudit.ts`,
 * `leftovers.ts`) and the hook's network step (`networkStep.ts`) iterate that list.
 *
 * Target files talk to AWS only through the clients they are handed (real, moto, or
 * aws-sdk-client-mock) and the SDK's paginators from `../io/sdk` (required when called: the
 * hook's code is serialized into the state, see `components/volumeCleanup.ts`).
 */
import type { CleanupReport, CleanupSettings, Logger, WaitOptions } from "../hookTypes";
import type { AuditClients, AuditOptions } from "../leftovers";
import type { Ec2NetworkApi, ElbApi, Elbv2Api, TaggedRef } from "./kubernetesOwned";

/** One resource a target's finder saw; the audit adds the target's kind. */
export interface FoundRef {
  /** The ID the service APIs use (and `parseArn` gives for the ARN). */
  readonly id: string;
  readonly arn?: string;
  readonly state?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** What the network step hands each target that it runs. */
export interface NetworkStepContext {
  readonly clients: {
    readonly ec2: Ec2NetworkApi;
    readonly elbv2: Elbv2Api;
    readonly elb: ElbApi;
  };
  readonly settings: CleanupSettings;
  readonly log: Logger;
  readonly wait: WaitOptions;
  /** Whether the Kubernetes object a resource was created for still exists (false: unknown). */
  readonly isLive: (owner: string | undefined) => Promise<boolean>;
  /** What the targets run before this one selected, by kind (a security group's owner is a load balancer's). */
  readonly seen: ReadonlyMap<string, readonly TaggedRef[]>;
}

/** How the destroy hook deals with a kind. */
export type TargetDeletion =
  /** Deleted (or snapshotted, or kept) by the volume step, by the mode: `volumes.ts`. */
  | { readonly step: "volumes" }
  /** Deleted by the network step, in registry order, into `CleanupReport.network[reportKey]`. */
  | {
      readonly step: "network";
      readonly reportKey: keyof CleanupReport["network"];
      /** Deletes what Kubernetes left of this kind; returns the selected ones and the deleted IDs. */
      readonly run: (
        ctx: NetworkStepContext,
      ) => Promise<{ readonly selected: readonly TaggedRef[]; readonly deleted: string[] }>;
    }
  /** Never deleted by the hook; `why` says who does. */
  | { readonly step: "none"; readonly why: string };

export interface CleanupTarget<Kind extends string = string> {
  /** The name in the audit's report (`volume vol-123 [...]`). */
  readonly kind: Kind;
  /** `service:type` of its ARNs in the tagging API, e.g. `ec2:volume`. */
  readonly arnType: string;
  /**
   * The ID the service APIs use, from the ARN's resource part after `<type>/` and the whole ARN.
   * Defaults to that part.
   */
  readonly idFromArn?: (rest: string, arn: string) => string;
  /** Whether a resource of this kind costs money while it exists. */
  readonly billable: boolean;
  /** The hook's marker: this resource was kept on purpose (`snapshot` / `retain` mode). */
  readonly keptOnPurpose?: (
    tags: Readonly<Record<string, string>>,
  ) => "snapshot" | "retained" | undefined;
  /**
   * What the audit finds of this kind: with the stack tag, and with a cluster name what carries
   * the cluster's tags but not the stack's (what Kubernetes or the CSI driver made). A resource
   * found twice counts once (the first stands).
   */
  readonly find: (clients: AuditClients, options: AuditOptions) => Promise<FoundRef[]>;
  readonly deletion: TargetDeletion;
}

/** Declares a target, keeping its kind as a literal type (the registry derives the kinds). */
export function defineTarget<const Kind extends string>(
  target: CleanupTarget<Kind>,
): CleanupTarget<Kind> {
  return target;
}
