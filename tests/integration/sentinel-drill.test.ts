/**
 * Smoke test per scenario against real redis-server / redis-sentinel processes: each scenario
 * runs end to end, recovers, and keeps its promise about failovers and WAIT-acknowledged writes.
 * One topology serves every scenario, as in a real drill (each scenario starts only once verify
 * passes); it runs the stack's tuning with its shortest valid timings and short Sentinel
 * periods (`TEST_TUNING`, `FAST_SENTINEL_PERIODS`), and the stack's own preStop hooks. The
 * judgement itself is table-tested in sentinel-scenarios.test.ts; no speed is asserted here (the
 * figures come from `npm run bench:failover`, with the deployed timings).
 */
import * as assert from "node:assert/strict";
import { ScenarioResult, runDrill } from "../../lib/sentinel/drill";
import { SCENARIOS, SCENARIO_SPECS, ScenarioName } from "../../lib/sentinel/scenarios";
import { verifyTopology } from "../../lib/sentinel/verify";
import { FAST_SENTINEL_PERIODS, closeAndAssertClean, useTopology } from "../helpers/redisTopology";

/** Problems that are about time: a loaded test machine may break them, the bench judges them. */
const TIMING_PROBLEM = /^writes unavailable for \d+ ms in all/;

describe("sentinel drill (real processes)", function () {
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

  for (const scenario of SCENARIOS) {
    const spec = SCENARIO_SPECS[scenario];
    it(`${scenario}: runs, recovers, and keeps its promise`, async () => {
      const result = await drill(scenario);
      assert.ok(result.acknowledgedWrites > 0, "no write was acknowledged at all");
      assert.ok(result.masterAfter !== undefined, result.problems.join("; "));
      if (spec.failover === "moves" || spec.failover === "some") {
        assert.ok(result.failovers >= 1, "no +switch-master seen");
        assert.ok((result.writes?.unavailableMs ?? 0) > 0, "no write-unavailable window measured");
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
      if (scenario === "all-down") {
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
