/**
 * What a drill run reports, per scenario and in all: plain data for the table, the JSON, the
 * timeline and the benchmark (`report.ts`, `timeline.ts`, bench/).
 */
import type { RedisTuning } from "../tuning";
import type { ErrorKind, Interval, LatencySummary, Span } from "./metrics";
import type { ScenarioName } from "./scenarios";

/** A line of a scenario's timeline. */
export interface DrillEvent {
  /** Milliseconds since the scenario's load started. */
  readonly at: number;
  readonly text: string;
}

export interface PhaseLatency {
  readonly before: LatencySummary;
  readonly during: LatencySummary;
  readonly after: LatencySummary;
}

export interface TrafficResult {
  readonly attempts: number;
  readonly succeeded: number;
  /** Sum of the unavailable windows. */
  readonly unavailableMs: number;
  readonly windows: readonly Interval[];
  readonly errors: Record<ErrorKind, number>;
  readonly latency: PhaseLatency;
  /** Runs of equal outcome, for the timeline. */
  readonly spans: readonly Span[];
}

export interface ScenarioResult {
  readonly scenario: ScenarioName;
  /** The scenario ran and every expectation held. */
  readonly ok: boolean;
  /** Whether this scenario decides the drill's outcome (`SCENARIO_SPECS`); false: reported only. */
  readonly decidesExit: boolean;
  /** Why the scenario did not run (e.g. stall cannot be injected on a cluster). */
  readonly skipped?: string;
  /** One line per expectation that did not hold. */
  readonly problems: readonly string[];
  /** Worth a look, not a broken promise (one run above a median target). */
  readonly warnings: readonly string[];
  readonly masterBefore?: string;
  readonly masterAfter?: string;
  /** Distinct `+switch-master` announcements seen from the sentinels. */
  readonly failovers: number;
  readonly faultAt?: number;
  readonly recoveredAt?: number;
  readonly endAt?: number;
  readonly writes?: TrafficResult;
  readonly reads?: TrafficResult;
  /** WAIT-acknowledged writes checked on the master after recovery. */
  readonly acknowledgedWrites: number;
  /** Acknowledged writes missing or changed on the master after recovery. */
  readonly lostAcknowledgedWrites: number;
  /** The first lost writes: sequence number and when the write was acknowledged. */
  readonly lostWrites: readonly { readonly seq: number; readonly ackedAt: number }[];
  readonly events: readonly DrillEvent[];
}

export interface DrillReport {
  /** Every scenario that decides the outcome held (or was skipped). */
  readonly ok: boolean;
  readonly masterSet: string;
  readonly tuning: RedisTuning;
  readonly startedAt: string;
  readonly scenarios: readonly ScenarioResult[];
}
