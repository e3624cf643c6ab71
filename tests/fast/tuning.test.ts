import * as assert from "node:assert/strict";

import { parse } from "yaml";

import {
  AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS,
  chartConstraintProblems,
} from "../../lib/redis/chartValues";
import { sampleRedisConfig } from "../../lib/redis/sampleConfig";
import {
  CHART_DEFAULT_POD_SHUTDOWN,
  CHART_DEFAULT_TUNING,
  DEFAULT_TUNING,
  RedisTuning,
  redisServerDirectives,
  replicaPriorityForOrdinal,
  sentinelMonitorDirectives,
  tuningProblems,
} from "../../lib/tuning";
import { referenceChartFile } from "../helpers/chart";

describe("tuning", () => {
  it("accepts the deployed defaults for 3 sentinels and 2 replicas", () => {
    assert.deepEqual(tuningProblems(DEFAULT_TUNING, 3, 2), []);
  });

  // The chart renders its cluster-recovery loop into start-node.sh only up to a bound on
  // downAfterMilliseconds; chartValues.ts spells that bound out, so check it against the chart.
  it("keeps down-after within the bound the chart's template puts on automateClusterRecovery", () => {
    const script = referenceChartFile("templates/scripts-configmap.yaml");
    const bound =
      /if and \.Values\.sentinel\.automateClusterRecovery \(le \(int \.Values\.sentinel\.downAfterMilliseconds\) (\d+)\)/.exec(
        script,
      );
    assert.ok(bound, "the chart's start-node.sh no longer bounds downAfterMilliseconds");
    assert.equal(AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS, Number(bound[1]));
    assert.ok(DEFAULT_TUNING.downAfterMs <= AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS);
    assert.deepEqual(chartConstraintProblems(sampleRedisConfig({ tuning: DEFAULT_TUNING })), []);
  });

  // The failover benchmark and `drill --chart-defaults` run CHART_DEFAULT_* as "the chart alone".
  it("models the chart alone: CHART_DEFAULT_TUNING and the grace period are its values.yaml", () => {
    const { sentinel } = parse(referenceChartFile("values.yaml")) as {
      sentinel: Record<string, unknown>;
    };
    assert.deepEqual(
      {
        masterSet: sentinel.masterSet,
        quorum: sentinel.quorum,
        downAfterMs: sentinel.downAfterMilliseconds,
        failoverTimeoutMs: sentinel.failoverTimeout,
        parallelSyncs: sentinel.parallelSyncs,
        terminationGracePeriodSeconds: sentinel.terminationGracePeriodSeconds,
      },
      {
        masterSet: CHART_DEFAULT_TUNING.masterSet,
        quorum: CHART_DEFAULT_TUNING.quorum,
        downAfterMs: CHART_DEFAULT_TUNING.downAfterMs,
        failoverTimeoutMs: CHART_DEFAULT_TUNING.failoverTimeoutMs,
        parallelSyncs: CHART_DEFAULT_TUNING.parallelSyncs,
        terminationGracePeriodSeconds: CHART_DEFAULT_POD_SHUTDOWN.terminationGracePeriodSeconds,
      },
    );
  });

  const cases: { name: string; change: Partial<RedisTuning>; message: RegExp }[] = [
    {
      name: "quorum below a majority",
      change: { quorum: 1 },
      message: /^quorum: 1 .* from 2 \(a majority\) to 3/,
    },
    { name: "quorum above the sentinels", change: { quorum: 4 }, message: /^quorum: 4/ },
    {
      name: "down-after under 1 s",
      change: { downAfterMs: 500 },
      message: /^downAfterMs: 500 .* at least 1000/,
    },
    {
      name: "failover timeout not above down-after",
      change: { failoverTimeoutMs: 2000 },
      message: /^failoverTimeoutMs: 2000/,
    },
    {
      name: "min-replicas-to-write equal to the replicas",
      change: { minReplicasToWrite: 2 },
      message: /^minReplicasToWrite: 2 .* from 0 to 1/,
    },
    { name: "parallel syncs of 0", change: { parallelSyncs: 0 }, message: /^parallelSyncs: 0/ },
    {
      name: "a master set name with a space",
      change: { masterSet: "my master" },
      message: /^masterSet:/,
    },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, () => {
      const problems = tuningProblems({ ...DEFAULT_TUNING, ...c.change }, 3, 2);
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0], c.message);
    });
  }

  it("prefixes keys so that a caller can name its config keys", () => {
    const [problem] = tuningProblems({ ...DEFAULT_TUNING, quorum: 9 }, 3, 2, "andyredis:sentinel.");
    assert.match(problem, /^andyredis:sentinel\.quorum: 9/);
  });

  it("prefers the highest ordinal for promotion (lowest replica-priority), never 0", () => {
    assert.equal(replicaPriorityForOrdinal(0), 100);
    assert.ok(replicaPriorityForOrdinal(2) < replicaPriorityForOrdinal(1));
    assert.ok(replicaPriorityForOrdinal(99) > 0);
    assert.throws(() => replicaPriorityForOrdinal(100), /ordinal: 100 is not allowed/);
    assert.throws(() => replicaPriorityForOrdinal(-1), /ordinal: -1 is not allowed/);
  });

  it("renders the directives from the tuning's own numbers", () => {
    const t: RedisTuning = { ...DEFAULT_TUNING, downAfterMs: 1234, minReplicasMaxLagSeconds: 7 };
    assert.ok(
      sentinelMonitorDirectives(t, "127.0.0.1", 6380).includes(
        "sentinel down-after-milliseconds mymaster 1234",
      ),
    );
    assert.equal(
      sentinelMonitorDirectives(t, "127.0.0.1", 6380)[0],
      "sentinel monitor mymaster 127.0.0.1 6380 2",
    );
    assert.ok(redisServerDirectives(t).includes("min-replicas-max-lag 7"));
  });
});
