/**
 * A rolling restart fails over once when it can (issue 22, item 6), against real redis-server /
 * redis-sentinel processes running the stack's preStop hooks: a planned failover of ordinal 0
 * hands over to ordinal 1 (the lowest ordinal Sentinel may pick); the rollout that follows stops
 * ordinal 2 (a replica), then ordinal 1, whose preStop demotes ordinal 0 (not restarted yet) so
 * that the failover lands on ordinal 2, restarted already; ordinal 0 then restarts as a replica.
 * Afterwards every node has its own priority again. The judgement's failover budget is
 * table-tested in tests/fast/drill-scenarios.test.ts.
 */
import * as assert from "node:assert/strict";
import { runDrill } from "../../lib/drill/io/drillRun";
import { withConnection } from "../../lib/sentinel/io/clients";
import { endpointKey } from "../../lib/sentinel/ports";
import { replicaPriorityForOrdinal } from "../../lib/tuning";
import { FAST_SENTINEL_PERIODS, useTopology } from "../helpers/redisTopology";

describe("drill: a rolling restart fails over once, onto a restarted pod (real processes)", function () {
  this.timeout(120000);
  const topology = useTopology({ sentinelPeriods: FAST_SENTINEL_PERIODS });

  it("planned failover 0 -> 1, then a rollout with one failover 1 -> 2; the priorities given back", async () => {
    const nodes = topology().nodes();
    const key = (ordinal: number) => endpointKey(nodes[ordinal]);
    const report = await runDrill({
      settings: topology().settings(),
      injector: topology(),
      tuning: topology().tuning,
      scenarios: ["planned-failover", "rolling-restart"],
      steadyMs: 250,
    });
    const [planned, rolling] = report.scenarios;
    assert.equal(planned.masterBefore, key(0));
    assert.equal(planned.masterAfter, key(1), "Sentinel picks the lowest other ordinal");
    assert.deepEqual(
      rolling.problems.filter((p) => !/writes unavailable/.test(p)),
      [],
    );
    assert.equal(rolling.failovers, 1, rolling.events.map((e) => JSON.stringify(e)).join("\n"));
    assert.equal(rolling.masterAfter, key(2), "the failover went to the pod restarted first");
    assert.ok(
      rolling.events.some((e) =>
        JSON.stringify(e).includes("demoted 1 replica(s) not restarted yet"),
      ),
      "the master's preStop demoted ordinal 0",
    );
    assert.equal(rolling.lostAcknowledgedWrites, 0);
    for (const [ordinal, node] of nodes.entries()) {
      const reply = await withConnection(node, { password: topology().password }, (c) =>
        c.call("CONFIG", "GET", "replica-priority"),
      );
      assert.deepEqual(reply, ["replica-priority", String(replicaPriorityForOrdinal(ordinal))]);
    }
  });
});
