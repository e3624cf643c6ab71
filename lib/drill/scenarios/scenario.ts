/**
 * What one drill scenario is, in its own file in this folder: its promise (`spec`), how its
 * fault is injected (`inject`, through the ports of `FaultContext` only), and when a target
 * cannot run it (`skipReason`). The judgement of an observation against the promise is
 * `judgeScenario` (../judge.ts); the registry is `index.ts`.
 */
import type { RedisTuning } from "../../tuning";
import {
  endpointKey,
  type Endpoint,
  type FaultInjector,
  type SentinelAdmin,
} from "../../sentinel/ports";

/** What a scenario promises. */
export interface ScenarioSpec {
  /** The fault, in one line (help text, docs). */
  readonly fault: string;
  /**
   * "moves": the master must change; "some": at least one failover, the master may end where it
   * started (a rolling restart can fail over twice); "none": no failover; "any": not judged.
   */
  readonly failover: "moves" | "some" | "none" | "any";
  /** Whether a failure of this scenario fails the drill (exit code), or is only reported. */
  readonly decidesExit: boolean;
  /** Largest write unavailability of one run; above it the run fails. */
  readonly maxWriteUnavailableMs?: number;
  /**
   * Target for the median over several runs (the benchmark decides it). One run above it is
   * reported as a warning, not a failure: one run cannot show a median.
   */
  readonly targetMedianWriteUnavailableMs?: number;
  /** After recovery exactly one node must report role master. */
  readonly oneMaster: boolean;
}

/** What injecting one fault needs; every side effect goes through a port or a callback. */
export interface FaultContext {
  readonly injector: FaultInjector;
  readonly admin: SentinelAdmin;
  readonly tuning: RedisTuning;
  /** The master of the healthy topology before the fault, as announced. */
  readonly master: Endpoint;
  /** A line for the timeline. */
  readonly event: (text: string) => void;
  /** Resolves once verify passes (a node back and synced); throws when it does not in time. */
  readonly waitHealthy: () => Promise<void>;
  /** The replica the load's reader uses (replica-crash takes that one). */
  readonly readerReplica: () => Promise<Endpoint>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly recoveryTimeoutMs: number;
  readonly allDownMs: number;
}

/** What an injection learned that the judgement needs. */
export interface InjectOutcome {
  /**
   * The most failovers this run may take, when the scenario bounds them (a rolling restart:
   * one, two when the master was the first pod stopped); with why, for the report.
   */
  readonly failoverBudget?: { readonly max: number; readonly why: string };
}

export interface Scenario<Name extends string = string> {
  /** The name on the command line (`--scenarios`), in reports and in the Automation driver. */
  readonly name: Name;
  readonly spec: ScenarioSpec;
  /** Injects the fault and brings the faulted nodes back. Recovery is judged after. */
  readonly inject: (ctx: FaultContext) => Promise<InjectOutcome | void>;
  /** Why this target cannot run the scenario (then it is skipped); undefined when it can. */
  readonly skipReason?: (injector: FaultInjector) => string | undefined;
}

/** Declares a scenario, keeping its name as a literal type (the registry derives the names). */
export function defineScenario<const Name extends string>(
  scenario: Scenario<Name>,
): Scenario<Name> {
  return scenario;
}

/** Polls the sentinels until they name a master other than `old`; false on timeout. */
export async function waitForMasterChange(ctx: FaultContext, old: string): Promise<boolean> {
  const deadline = Date.now() + ctx.recoveryTimeoutMs;
  while (Date.now() < deadline) {
    const current = await ctx.admin.master();
    if (current && endpointKey(current) !== old) {
      return true;
    }
    await ctx.sleep(200);
  }
  return false;
}
