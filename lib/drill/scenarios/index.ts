/**
 * The drill's scenarios, what each promises, and the pure judgement of one observation against
 * that promise. The list here is the one source for the CLI flag, the Automation driver and the
 * CI workflow test.
 */

/** The scenarios, in the order a full drill runs them. */
export const SCENARIOS = [
  "master-crash",
  "planned-failover",
  "rolling-restart",
  "replica-crash",
  "master-stall",
  "sentinel-failover",
  "all-down",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

/** Parses scenario names; throws one line listing the unknown ones and the allowed names. */
export function parseScenarios(names: readonly string[]): ScenarioName[] {
  const unknown = names.filter((n) => !isScenarioName(n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario(s) ${unknown.join(", ")}; use one of ${SCENARIOS.join(", ")}`,
    );
  }
  return names.filter(isScenarioName);
}

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

/** The promises of the stack, per scenario (docs/drill.md lists them). */
export const SCENARIO_SPECS: Readonly<Record<ScenarioName, ScenarioSpec>> = {
  "master-crash": {
    fault: "SIGKILL the master (cluster: delete its pod, grace 0); restart it after the failover",
    failover: "moves",
    decidesExit: true,
    targetMedianWriteUnavailableMs: 3500,
    oneMaster: false,
  },
  "planned-failover": {
    fault:
      "stop the master as Kubernetes stops its pod: the chart's preStop (CLIENT PAUSE WRITE, SENTINEL FAILOVER, wait for the new master), then SIGTERM; restart it",
    failover: "moves",
    decidesExit: true,
    targetMedianWriteUnavailableMs: 1500,
    oneMaster: false,
  },
  "rolling-restart": {
    fault:
      "stop and restart every node in StatefulSet order (highest ordinal first), each through the preStop hooks, waiting until it is back and synced",
    failover: "some",
    decidesExit: true,
    maxWriteUnavailableMs: 3000,
    oneMaster: false,
  },
  "replica-crash": {
    fault: "SIGKILL the replica the reader uses; restart it after down-after + 1 s",
    failover: "none",
    decidesExit: true,
    oneMaster: false,
  },
  "master-stall": {
    fault: "SIGSTOP the master for half of down-after, then SIGCONT",
    failover: "none",
    decidesExit: true,
    oneMaster: false,
  },
  "sentinel-failover": {
    fault:
      "a bare SENTINEL FAILOVER, as an operator's manual command: reported, does not decide the exit code (it loses writes, see docs/drill.md)",
    failover: "moves",
    decidesExit: false,
    oneMaster: false,
  },
  "all-down": {
    fault: "SIGTERM every Redis node and sentinel (cluster: delete every pod), 2 s later start all",
    failover: "any",
    decidesExit: true,
    oneMaster: true,
  },
};

/** What the drill saw in one scenario run, as the judge needs it. */
export interface ScenarioObservation {
  readonly scenario: ScenarioName;
  /** Verify passed again after the fault. */
  readonly recovered: boolean;
  /** Verify's failed checks when it did not recover. */
  readonly recoveryFailures: readonly string[];
  readonly masterBefore: string;
  readonly masterAfter: string | undefined;
  /** Distinct `+switch-master` announcements. */
  readonly failovers: number;
  readonly lostAcknowledgedWrites: number;
  readonly writeUnavailableMs: number;
  /** Nodes reporting role master after recovery; undefined when not checked. */
  readonly masters: number | undefined;
}

export interface Judgement {
  /** Promises broken: the scenario failed. */
  readonly problems: string[];
  /** Worth a look, but not a broken promise (one run above a median target). */
  readonly warnings: string[];
}

/** Judges one observation against its scenario's promise. Pure. */
export function judgeScenario(observation: ScenarioObservation): Judgement {
  const spec = SCENARIO_SPECS[observation.scenario];
  const problems: string[] = [];
  const warnings: string[] = [];
  const o = observation;
  if (!o.recovered) {
    problems.push(`did not recover: ${o.recoveryFailures.join("; ")}`);
  }
  const moved = o.masterAfter !== undefined && o.masterAfter !== o.masterBefore;
  const path = `master ${o.masterBefore} -> ${o.masterAfter ?? "unknown"}`;
  switch (spec.failover) {
    case "moves":
      if (o.failovers < 1 || !moved) {
        problems.push(`no failover observed (${o.failovers} switch-master, ${path})`);
      }
      break;
    case "some":
      if (o.failovers < 1) {
        problems.push(`no failover observed (${path})`);
      }
      break;
    case "none":
      if (o.failovers > 0 || moved) {
        problems.push(`unexpected failover (${o.failovers} switch-master, ${path})`);
      }
      break;
    case "any":
      break;
    default:
      throw new Error(`unknown failover expectation ${String(spec.failover)}`);
  }
  if (o.lostAcknowledgedWrites > 0) {
    problems.push(`${o.lostAcknowledgedWrites} WAIT-acknowledged writes lost`);
  }
  if (
    spec.maxWriteUnavailableMs !== undefined &&
    o.writeUnavailableMs > spec.maxWriteUnavailableMs
  ) {
    problems.push(
      `writes unavailable for ${o.writeUnavailableMs} ms in all, more than the ${spec.maxWriteUnavailableMs} ms promised`,
    );
  }
  if (
    spec.targetMedianWriteUnavailableMs !== undefined &&
    o.writeUnavailableMs > spec.targetMedianWriteUnavailableMs
  ) {
    warnings.push(
      `writes unavailable for ${o.writeUnavailableMs} ms, above the ${spec.targetMedianWriteUnavailableMs} ms median target (npm run bench:failover measures the median)`,
    );
  }
  if (spec.oneMaster && o.recovered && o.masters !== undefined && o.masters !== 1) {
    problems.push(`${o.masters} nodes report role master after recovery, expected exactly 1`);
  }
  return { problems, warnings };
}
