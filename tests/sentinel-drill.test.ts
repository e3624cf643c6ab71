/**
 * The drill against real redis-server / redis-sentinel processes with the stack's tuning:
 * master crash fails over without losing WAIT-acknowledged writes, a stall shorter than
 * down-after does not fail over, and everything down then up recovers to one master. No speed
 * is asserted here: the figures come from `npm run bench:failover`.
 */
import * as assert from "node:assert/strict";
import { runDrill, ScenarioResult } from "../lib/sentinel/drill";
import { LocalTopology } from "../lib/sentinel/localTopology";
import { verifyTopology } from "../lib/sentinel/verify";
import { closeAndAssertClean, requireRedis, startTopology } from "./helpers/redisTopology";

describe("sentinel drill (real processes)", function () {
  this.timeout(120000);
  let topology: LocalTopology;

  before(async () => {
    requireRedis();
    topology = await startTopology();
  });

  after(async () => {
    if (topology) await closeAndAssertClean(topology);
  });

  async function drill(
    scenario: "master-crash" | "master-stall" | "all-down",
  ): Promise<ScenarioResult> {
    const report = await runDrill({
      settings: topology.settings(),
      injector: topology,
      tuning: topology.tuning,
      scenarios: [scenario],
      steadyMs: 1000,
    });
    assert.equal(report.scenarios.length, 1);
    return report.scenarios[0];
  }

  it("master crash: observes a failover, a write outage, and loses no acknowledged write", async () => {
    const result = await drill("master-crash");
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
    assert.ok(result.failovers >= 1, "no +switch-master seen");
    assert.notEqual(result.masterAfter, result.masterBefore);
    assert.ok((result.writes?.unavailableMs ?? 0) > 0, "no write-unavailable window measured");
    assert.ok(result.acknowledgedWrites > 0, "no write was acknowledged at all");
    assert.equal(result.lostAcknowledgedWrites, 0);
  });

  it("master stalled for less than down-after: no failover, no write lost", async () => {
    const result = await drill("master-stall");
    assert.deepEqual(result.problems, []);
    assert.equal(result.failovers, 0);
    assert.equal(result.masterAfter, result.masterBefore);
    assert.equal(result.lostAcknowledgedWrites, 0);
  });

  it("every node down then back: one master, every sentinel agrees, nothing lost", async () => {
    const result = await drill("all-down");
    assert.deepEqual(result.problems, []);
    assert.equal(result.lostAcknowledgedWrites, 0);
    const report = await verifyTopology(topology.settings(), { nodes: topology.nodes() });
    assert.equal(report.ok, true, report.failures.join("\n"));
    const oneMaster = report.checks.find((c) => c.name === "exactly one master");
    assert.equal(oneMaster?.ok, true);
    assert.ok(report.checks.find((c) => c.name === "sentinels agree on master")?.ok);
  });

  it("leaves no process or temp directory behind", async () => {
    const pids = topology.pids();
    assert.ok(pids.length >= 6, "expected at least 3 Redis nodes and 3 sentinels");
    await closeAndAssertClean(topology);
  });
});
