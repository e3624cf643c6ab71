/**
 * Shared helpers for the real-process Sentinel tests: start a local topology (or fail with a
 * clear reason when Redis is not installed), share it across a suite, and prove that closing it
 * leaves nothing behind.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import {
  LocalTopology,
  LocalTopologyOptions,
  SentinelPeriods,
  missingBinaries,
  missingBinariesMessage,
  processExists,
} from "../../lib/topology/io/localTopology";
import { ScenarioResult, runDrill } from "../../lib/drill/io/drillRun";
import { SCENARIOS, SCENARIO_SPECS, ScenarioName } from "../../lib/drill/scenarios";
import { sleep } from "../../lib/sentinel/ports";
import { verifyTopology } from "../../lib/verify/io/healthChecks";
import { DEFAULT_TUNING, RedisTuning } from "../../lib/tuning";

/**
 * The stack's tuning without the diskless-sync delay, so that replicas sync a second sooner
 * after every start and failover (the config accepts it: tests/fast/tuning.test.ts). down-after
 * stays at the stack's 2 s: at the 1 s minimum the config allows, a loaded 2-core machine saw a
 * second, spurious failover after a master crash, and WAIT-acknowledged writes lost with it.
 * Speed figures come from `npm run bench:failover` with the deployed tuning, not from tests.
 */
export const TEST_TUNING: RedisTuning = Object.freeze({
  ...DEFAULT_TUNING,
  disklessSyncDelaySeconds: 0,
});

/**
 * Sentinel periods for suites that wait for Sentinel to demote a node that runs as a stray
 * master (a bare SENTINEL FAILOVER, all-down): about 1 s instead of 8-10 s (see
 * `SentinelPeriods`).
 */
export const FAST_SENTINEL_PERIODS: SentinelPeriods = Object.freeze({
  infoMs: 1000,
  publishMs: 250,
});

/**
 * Fails the suite, saying what to install, when redis-server / redis-sentinel are missing: these
 * tests are the proof that verify and the drill work, so a machine without Redis must not pass
 * them by skipping.
 */
export function requireRedis(): void {
  const missing = missingBinaries();
  if (missing.length > 0) throw new Error(missingBinariesMessage(missing));
}

/**
 * One topology for the whole suite: `before` fails it when Redis is missing, then starts the
 * topology (with `TEST_TUNING` unless the options give a tuning); `after` closes it and asserts
 * that nothing is left. Returns the accessor the tests call; tests that fault a node put it back
 * (the drill and verify wait until the topology is healthy again).
 */
export function useTopology(options: LocalTopologyOptions = {}): () => LocalTopology {
  let topology: LocalTopology | undefined;
  before(async function () {
    requireRedis();
    topology = await LocalTopology.start({ tuning: TEST_TUNING, ...options });
  });
  after(async function () {
    if (topology) await closeAndAssertClean(topology);
  });
  return () => {
    if (!topology) throw new Error("the local topology has not started (see the before hook)");
    return topology;
  };
}

/**
 * Closes the topology and asserts that every process it ever started is gone and its temp
 * directory removed.
 */
export async function closeAndAssertClean(topology: LocalTopology): Promise<void> {
  const pids = topology.pids();
  await topology.close();
  await assertPidsGone(pids);
  assert.equal(fs.existsSync(topology.dir), false, `${topology.dir} still exists`);
}

/** Waits briefly for the PIDs to disappear, then asserts none remains. */
export async function assertPidsGone(pids: readonly number[], withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (pids.some(processExists) && Date.now() < deadline) {
    await sleep(50);
  }
  assert.deepEqual(
    pids.filter(processExists),
    [],
    "processes of the local topology are still running",
  );
}

/**
 * PIDs of processes working inside `dir` (a topology's temp dir): Redis changes into its `dir`
 * and rewrites its command line, so the working directory is what identifies it.
 */
export function pidsInDirectory(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) pids.push(Number(entry));
    } catch {
      // Exited while we looked, or not ours to inspect.
    }
  }
  return pids;
}

/**
 * The drill test's scenarios in two files (drill-failovers.test.ts, drill-faults.test.ts)
 * so that mocha --parallel runs them side by side, each part on its own topology; together they
 * are every scenario, each once: the failovers, and every other scenario of the registry (a new
 * scenario lands in `faults` without an edit here).
 */
const FAILOVER_SCENARIOS: readonly ScenarioName[] = [
  "master-crash",
  "planned-failover",
  "rolling-restart",
];
export const DRILL_TEST_PARTS: Readonly<Record<"failovers" | "faults", readonly ScenarioName[]>> = {
  failovers: FAILOVER_SCENARIOS,
  faults: SCENARIOS.filter((s) => !FAILOVER_SCENARIOS.includes(s)),
};

/** Problems that are about time: a loaded test machine may break them, the bench judges them. */
const TIMING_PROBLEM = /^writes unavailable for \d+ ms in all/;

/**
 * Registers the drill suite for one part of `DRILL_TEST_PARTS`: one shared topology, one test
 * per scenario (it runs, recovers, and keeps its promise), and a check that nothing is left.
 */
export function describeDrill(part: keyof typeof DRILL_TEST_PARTS): void {
  const scenarios: readonly ScenarioName[] = DRILL_TEST_PARTS[part];
  describe(`sentinel drill: ${scenarios.join(", ")} (real processes)`, function () {
    this.timeout(60000);
    const topology = useTopology({ sentinelPeriods: FAST_SENTINEL_PERIODS });

    async function drill(scenario: ScenarioName): Promise<ScenarioResult> {
      const report = await runDrill({
        settings: topology().settings(),
        injector: topology(),
        tuning: topology().tuning,
        scenarios: [scenario],
        // Enough for writes to be acknowledged before the fault and after recovery.
        steadyMs: 250,
      });
      assert.equal(report.scenarios.length, 1);
      return report.scenarios[0];
    }

    for (const scenario of scenarios) {
      const spec = SCENARIO_SPECS[scenario];
      it(`${scenario}: runs, recovers, and keeps its promise`, async () => {
        const result = await drill(scenario);
        assert.ok(result.acknowledgedWrites > 0, "no write was acknowledged at all");
        assert.ok(result.masterAfter !== undefined, result.problems.join("; "));
        if (spec.failover === "moves" || spec.failover === "some") {
          assert.ok(result.failovers >= 1, "no +switch-master seen");
          assert.ok(
            (result.writes?.unavailableMs ?? 0) > 0,
            "no write-unavailable window measured",
          );
        }
        if (!spec.decidesExit) {
          // The bare SENTINEL FAILOVER: reported, whatever it lost.
          assert.ok(result.problems.every((p) => /WAIT-acknowledged writes lost$/.test(p)));
          return;
        }
        assert.deepEqual(
          result.problems.filter((p) => !TIMING_PROBLEM.test(p)),
          [],
          `${scenario} broke a promise`,
        );
        assert.equal(result.lostAcknowledgedWrites, 0);
        if (spec.oneMaster) {
          const report = await verifyTopology(topology().settings(), { nodes: topology().nodes() });
          assert.equal(report.checks.find((c) => c.name === "exactly one master")?.ok, true);
        }
      });
    }

    it("leaves no process or temp directory behind", async () => {
      const pids = topology().pids();
      assert.ok(pids.length >= 6, "expected at least 3 Redis nodes and 3 sentinels");
      await closeAndAssertClean(topology());
    });
  });
}
