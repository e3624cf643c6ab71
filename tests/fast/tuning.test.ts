import * as assert from "node:assert/strict";

import { parse } from "yaml";

import { CONFIG_KEYS } from "../../lib/config/keys";
import { parseConfig } from "../../lib/config/parse";
import { AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS } from "../../lib/redis/defaults";
import {
  CHART_DEFAULT_POD_SHUTDOWN,
  CHART_DEFAULT_TUNING,
  DEFAULT_TUNING,
  RedisTuning,
  redisServerDirectives,
  replicaPriorityForOrdinal,
  DEMOTION,
  MAX_PRIORITY_ORDINAL,
  sentinelMonitorDirectives,
} from "../../lib/tuning";
import { referenceChartFile } from "../helpers/chart";
import { localFiles } from "../../lib/config/io/localFiles";
import { TEST_TUNING } from "../helpers/redisTopology";

/** What the config parser makes of a tuning set key by key (the checks are the parser's). */
function parsedTuning(tuning: RedisTuning): RedisTuning {
  const raw = {
    apiPublicAccessCidrs: '["203.0.113.0/24"]',
    redisMasterSet: tuning.masterSet,
    sentinelQuorum: String(tuning.quorum),
    sentinelDownAfterMs: String(tuning.downAfterMs),
    sentinelFailoverTimeoutMs: String(tuning.failoverTimeoutMs),
    sentinelParallelSyncs: String(tuning.parallelSyncs),
    redisMinReplicasToWrite: String(tuning.minReplicasToWrite),
    redisMinReplicasMaxLagSeconds: String(tuning.minReplicasMaxLagSeconds),
    redisDisklessSyncDelaySeconds: String(tuning.disklessSyncDelaySeconds),
  };
  const context = { organization: "o", project: "andyredis", stack: "dev", files: localFiles() };
  return parseConfig(raw, context).redis.tuning;
}

describe("tuning", () => {
  it("is what the config accepts and parses, for the deployed and the tests' tuning", () => {
    assert.deepEqual(parsedTuning(DEFAULT_TUNING), DEFAULT_TUNING);
    assert.deepEqual(parsedTuning(TEST_TUNING), TEST_TUNING);
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
    assert.equal(CONFIG_KEYS.sentinelDownAfterMs.max, AUTOMATE_RECOVERY_MAX_DOWN_AFTER_MS);
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

  it("prefers the lowest ordinal for promotion (lowest replica-priority), below the demotion, never 0", () => {
    assert.equal(replicaPriorityForOrdinal(0), 100);
    assert.ok(replicaPriorityForOrdinal(1) < replicaPriorityForOrdinal(2));
    assert.ok(replicaPriorityForOrdinal(MAX_PRIORITY_ORDINAL) < DEMOTION);
    assert.ok(replicaPriorityForOrdinal(0) > 0);
    assert.throws(
      () => replicaPriorityForOrdinal(MAX_PRIORITY_ORDINAL + 1),
      /ordinal: 900 is not allowed/,
    );
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
