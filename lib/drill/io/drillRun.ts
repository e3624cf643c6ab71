/**
 * `drill`: steady writes (each confirmed with WAIT 1) and replica reads while a fault is
 * injected, then what clients saw: how long writes and reads failed, with which errors, the
 * latency before/during/after, and whether any WAIT-acknowledged write was lost.
 *
 * The orchestration only: the scenarios are in ../scenarios/, the judgement in ../judge.ts, the load in
 * load.ts, faults and Sentinel commands behind the `FaultInjector` and `SentinelAdmin` ports
 * (lib/sentinel/ports.ts). The fault is injected only once `verify` passes: a fault on a topology whose
 * replicas are still syncing measures the start-up, not the failover.
 */
import { RedisTuning } from "../../tuning";
import { sentinelAdmin } from "../../sentinel/io/admin";
import { errorMessage, parseInfo, withConnection } from "../../sentinel/io/clients";
import { Load } from "./load";
import type { DrillReport, PhaseLatency, ScenarioResult, TrafficResult } from "../results";
import {
  Interval,
  Sample,
  errorCounts,
  latencyIn,
  spans,
  totalMs,
  unavailableWindows,
} from "../metrics";
import { ensureReachable } from "../../sentinel/io/reachability";
import { judgeScenario } from "../judge";
import {
  SCENARIOS,
  SCENARIO_SPECS,
  ScenarioName,
  scenarioNamed,
  type FaultContext,
  type InjectOutcome,
} from "../scenarios";

export { stallMsFor } from "../scenarios/masterStall";
export type { FaultContext } from "../scenarios";
import {
  ConnectionSettings,
  Endpoint,
  FaultInjector,
  SentinelAdmin,
  endpointKey,
  reachable,
  sleep,
} from "../../sentinel/ports";
import { VerifyOptions, VerifyReport, waitUntilVerified } from "../../verify/io/healthChecks";

export { SCENARIOS, isScenarioName, parseScenarios } from "../scenarios";
export type { ScenarioName } from "../scenarios";
export type { FaultInjector } from "../../sentinel/ports";
export type { DrillEvent } from "../results";
export type { DrillReport, PhaseLatency, ScenarioResult, TrafficResult } from "../results";

export interface DrillOptions {
  readonly settings: ConnectionSettings;
  readonly injector: FaultInjector;
  /** The tuning the topology runs: sets the stall length and the recovery deadline. */
  readonly tuning: RedisTuning;
  /** Scenarios to run, in order. Defaults to all of `SCENARIOS`. */
  readonly scenarios?: readonly ScenarioName[];
  /** Options of the verify run that gates each fault and detects recovery. */
  readonly verify?: VerifyOptions;
  /** How long to wait for a healthy topology before a fault. Defaults to 60000. */
  readonly readyTimeoutMs?: number;
  /**
   * How long recovery may take after a fault. Defaults to 3 × down-after + failover-timeout +
   * 30 s, so the chart's 60 s down-after still fits.
   */
  readonly recoveryTimeoutMs?: number;
  /** Steady load before the fault and after recovery. Defaults to 2000. */
  readonly steadyMs?: number;
  /** Pause between two requests of one client. Defaults to 20. */
  readonly requestIntervalMs?: number;
  /** How long all nodes stay down in `all-down`. Defaults to 2000. */
  readonly allDownMs?: number;
  /** Sentinel commands (SENTINEL FAILOVER, the current master). Defaults to the settings' sentinels. */
  readonly admin?: SentinelAdmin;
  /** Progress lines (e.g. to stderr), prefixed with the elapsed time. Defaults to none. */
  readonly log?: (line: string) => void;
}

/** "[+12.3s] " for progress lines. */
export function elapsedPrefix(startedAtMs: number, nowMs: number): string {
  return `[+${((nowMs - startedAtMs) / 1000).toFixed(1)}s] `;
}

/**
 * Runs the scenarios in order; each waits for a healthy topology first. Never throws for a
 * failed scenario; throws `RedisUnreachableError` up front when nothing answers at the target.
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const log = options.log
    ? (line: string) => options.log?.(`${elapsedPrefix(started, performance.now())}${line}`)
    : undefined;
  await ensureReachable(options.settings);
  const results: ScenarioResult[] = [];
  const scenarios = options.scenarios ?? SCENARIOS;
  for (const [index, scenario] of scenarios.entries()) {
    log?.(`drill: ${scenario} (${index + 1}/${scenarios.length}): waiting for verify to pass`);
    try {
      results.push(await runScenario(scenario, { ...options, log }));
    } catch (error) {
      results.push(failedScenario(scenario, `scenario aborted: ${errorMessage(error)}`));
    }
    log?.(`drill: ${scenario}: ${outcomeText(results[results.length - 1])}`);
  }
  return {
    ok: results.every((r) => !r.decidesExit || r.ok || r.skipped !== undefined),
    masterSet: options.settings.masterSet,
    tuning: options.tuning,
    startedAt,
    scenarios: results,
  };
}

function outcomeText(result: ScenarioResult): string {
  if (result.skipped) {
    return `skipped (${result.skipped})`;
  }
  const unavailable = result.writes ? `, writes unavailable ${result.writes.unavailableMs} ms` : "";
  const lost = `, ${result.lostAcknowledgedWrites}/${result.acknowledgedWrites} acknowledged writes lost`;
  const verdict = result.ok
    ? "ok"
    : `${result.decidesExit ? "FAILED" : "failed (reported only)"}: ${result.problems.join("; ")}`;
  return `${verdict}${unavailable}${lost}`;
}

function failedScenario(scenario: ScenarioName, problem: string): ScenarioResult {
  return {
    scenario,
    ok: false,
    decidesExit: SCENARIO_SPECS[scenario].decidesExit,
    problems: [problem],
    warnings: [],
    failovers: 0,
    acknowledgedWrites: 0,
    lostAcknowledgedWrites: 0,
    lostWrites: [],
    events: [],
  };
}

/** Default recovery deadline for a tuning (see `DrillOptions.recoveryTimeoutMs`). */
export function recoveryTimeoutFor(tuning: RedisTuning): number {
  return 3 * tuning.downAfterMs + tuning.failoverTimeoutMs + 30000;
}

async function runScenario(scenario: ScenarioName, options: DrillOptions): Promise<ScenarioResult> {
  const { settings, injector, tuning } = options;
  const skipped = scenarioNamed(scenario).skipReason?.(injector);
  if (skipped !== undefined) {
    return { ...failedScenario(scenario, ""), problems: [], skipped };
  }
  const verifyOptions: VerifyOptions = { ...options.verify, nodes: injector.nodes() };
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? recoveryTimeoutFor(tuning);
  const ready = await waitUntilVerified(settings, verifyOptions, options.readyTimeoutMs ?? 60000);
  if (!ready.ok || !ready.master) {
    // Never inject a fault into a topology that is not healthy: the numbers would be meaningless.
    return failedScenario(
      scenario,
      `fault not injected: topology not healthy: ${ready.failures.join("; ")}`,
    );
  }
  const steadyMs = options.steadyMs ?? 2000;
  const load = await Load.start(settings, options.requestIntervalMs ?? 20, scenario);
  let faultAt: number | undefined;
  let recovered: VerifyReport | undefined;
  let recoveredAt: number | undefined;
  let outcome: InjectOutcome = {};
  try {
    await sleep(steadyMs);
    faultAt = load.now();
    load.event(`fault: ${scenario}`);
    outcome = await injectFault(scenario, {
      injector,
      admin: options.admin ?? sentinelAdmin(settings),
      tuning,
      master: ready.master,
      event: (text) => {
        load.event(text);
        options.log?.(`drill: ${scenario}: ${text}`);
      },
      waitHealthy: async () => {
        const report = await waitUntilVerified(settings, verifyOptions, recoveryTimeoutMs);
        if (!report.ok) {
          throw new Error(`not healthy again: ${report.failures.join("; ")}`);
        }
      },
      readerReplica: () => replicaOfReader(settings, ready.replicas, load),
      sleep,
      recoveryTimeoutMs,
      allDownMs: options.allDownMs ?? 2000,
    });
    recovered = await waitUntilVerified(settings, verifyOptions, recoveryTimeoutMs);
    recoveredAt = load.now();
    load.event(recovered.ok ? "recovered: verify passes" : "not recovered");
    if (recovered.ok) {
      await sleep(steadyMs);
    }
  } finally {
    await load.stop();
  }
  const endAt = load.now();
  const masterBefore = endpointKey(ready.master);
  const masterAfter = recovered?.master ? endpointKey(recovered.master) : undefined;
  const failovers = load.failovers();

  // Acknowledged writes must all be on the master once it is healthy again.
  let lostSeqs: number[] = [];
  if (recovered?.ok && recovered.master) {
    lostSeqs = await findLostWrites(
      settings,
      recovered.master,
      load.acknowledged(),
      load.keyPrefix,
    );
  }
  const phases = {
    before: { from: 0, to: faultAt ?? endAt },
    during: { from: faultAt ?? endAt, to: recoveredAt ?? endAt },
    after: { from: recoveredAt ?? endAt, to: endAt },
  };
  const writes = traffic(load.writes, phases);
  const { problems, warnings } = judgeScenario({
    scenario,
    recovered: recovered?.ok ?? false,
    recoveryFailures: recovered?.failures ?? ["no verify run after the fault"],
    masterBefore,
    masterAfter,
    failovers,
    lostAcknowledgedWrites: lostSeqs.length,
    writeUnavailableMs: writes.unavailableMs,
    masters: recovered?.masters,
    failoverBudget: outcome.failoverBudget,
  });
  return {
    scenario,
    ok: problems.length === 0,
    decidesExit: SCENARIO_SPECS[scenario].decidesExit,
    problems,
    warnings,
    masterBefore,
    masterAfter,
    failovers,
    faultAt,
    recoveredAt,
    endAt,
    writes,
    reads: traffic(load.reads, phases),
    acknowledgedWrites: load.acknowledged().length,
    lostAcknowledgedWrites: lostSeqs.length,
    lostWrites: lostSeqs
      .slice(0, 20)
      .map((seq) => ({ seq, ackedAt: Math.round(load.ackedAt(seq)) })),
    events: load.events(),
  };
}

function traffic(
  samples: readonly Sample[],
  phases: Record<keyof PhaseLatency, Interval>,
): TrafficResult {
  const windows = unavailableWindows(samples);
  return {
    attempts: samples.length,
    succeeded: samples.filter((s) => s.ok).length,
    unavailableMs: Math.round(totalMs(windows)),
    windows,
    errors: errorCounts(samples),
    latency: {
      before: latencyIn(samples, phases.before),
      during: latencyIn(samples, phases.during),
      after: latencyIn(samples, phases.after),
    },
    spans: spans(samples),
  };
}

/** Injects one scenario's fault and brings the faulted nodes back. Recovery is judged after. */
export async function injectFault(
  scenario: ScenarioName,
  ctx: FaultContext,
): Promise<InjectOutcome> {
  return (await scenarioNamed(scenario).inject(ctx)) ?? {};
}

/**
 * The replica the reader is connected to, so that crashing it shows the read impact; found by
 * run_id because a forwarded port hides the address. Falls back to the first replica.
 */
async function replicaOfReader(
  settings: ConnectionSettings,
  replicas: readonly Endpoint[],
  load: Load,
): Promise<Endpoint> {
  const readerRunId = await load.readerRunId();
  for (const replica of replicas) {
    try {
      const info = parseInfo(
        await withConnection(reachable(settings, replica), settings, (c) => c.info("server")),
      );
      if (info.run_id === readerRunId) {
        return replica;
      }
    } catch {
      // Not reachable: cannot be the one the reader uses.
    }
  }
  return replicas[0];
}

/** The acknowledged sequence numbers whose key is missing or wrong on the master. */
async function findLostWrites(
  settings: ConnectionSettings,
  master: Endpoint,
  acknowledged: readonly number[],
  keyPrefix: string,
): Promise<number[]> {
  if (acknowledged.length === 0) {
    return [];
  }
  return withConnection(
    reachable(settings, master),
    settings,
    async (client) => {
      const lost: number[] = [];
      for (let i = 0; i < acknowledged.length; i += 500) {
        const chunk = acknowledged.slice(i, i + 500);
        const values = await client.mget(...chunk.map((seq) => `${keyPrefix}${seq}`));
        values.forEach((value, j) => {
          if (value !== String(chunk[j])) {
            lost.push(chunk[j]);
          }
        });
      }
      return lost;
    },
    10000,
  );
}
