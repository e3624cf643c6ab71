/**
 * The pure judgement of one scenario run: what the drill observed against the scenario's
 * promise (`spec` in its file under scenarios/).
 */
import { SCENARIO_SPECS, type ScenarioName } from "./scenarios";

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
  /** The most failovers the run may take, from the injection (`InjectOutcome`); none: unbounded. */
  readonly failoverBudget?: { readonly max: number; readonly why: string };
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
  if (o.failoverBudget !== undefined && o.failovers > o.failoverBudget.max) {
    problems.push(
      `failed over ${o.failovers} times, at most ${o.failoverBudget.max} expected (${o.failoverBudget.why})`,
    );
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
