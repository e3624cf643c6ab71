/**
 * verify against real redis-server / redis-sentinel processes: passes on a healthy topology,
 * fails with the right line when a replica is down and when the sentinels lose quorum.
 */
import * as assert from "node:assert/strict";
import { LocalTopology } from "../../lib/topology/io/localTopology";
import { Endpoint, endpointKey, sleep } from "../../lib/sentinel/ports";
import { VerifyReport, verifyTopology, waitUntilVerified } from "../../lib/verify/io/healthChecks";
import { FAST_SENTINEL_PERIODS, useTopology } from "../helpers/redisTopology";

/** Polls verify until `predicate` holds (a sentinel needs down-after to notice a loss). */
async function verifyUntil(
  topology: LocalTopology,
  predicate: (report: VerifyReport) => boolean,
  timeoutMs = 15000,
): Promise<VerifyReport> {
  const deadline = Date.now() + timeoutMs;
  let report = await verifyTopology(topology.settings());
  while (!predicate(report) && Date.now() < deadline) {
    await sleep(300);
    report = await verifyTopology(topology.settings());
  }
  return report;
}

describe("sentinel verify (real processes)", function () {
  this.timeout(30000);
  const topology = useTopology({ sentinelPeriods: FAST_SENTINEL_PERIODS });

  it("passes on a healthy topology once replicas have synced", async () => {
    const report = await waitUntilVerified(
      topology().settings(),
      { nodes: topology().nodes() },
      30000,
    );
    assert.equal(report.ok, true, report.failures.join("\n"));
    assert.deepEqual(report.failures, []);
    assert.equal(report.replicas.length, 2);
    assert.equal(report.masters, 1, "the drill's all-down judgement reads this count");
    const names = report.checks.map((c) => c.name).join("\n");
    for (const expected of [
      /ckquorum/,
      /sees replicas/,
      /sees sentinels/,
      /agree on master/,
      /link/,
      /lag/,
      /WAIT/,
      /reads the write/,
      /exactly one master/,
    ]) {
      assert.match(names, expected);
    }
  });

  it("fails with one line naming the replica when a replica is stopped", async () => {
    const healthy = await waitUntilVerified(topology().settings(), {}, 30000);
    const replica: Endpoint = healthy.replicas[0];
    await topology().crash(replica);
    try {
      // WAIT gives up after this long: the default 2 s would only make the test slower.
      const report = await verifyTopology(topology().settings(), { waitTimeoutMs: 500 });
      assert.equal(report.ok, false);
      const key = endpointKey(replica);
      assert.ok(
        report.failures.some((f) => f.startsWith(`replica ${key} unreachable:`)),
        report.failures.join("\n"),
      );
      assert.ok(
        report.failures.some((f) => /^WAIT: 1 of 2 replicas acknowledged/.test(f)),
        report.failures.join("\n"),
      );
    } finally {
      await topology().restore(replica);
    }
    const recovered = await waitUntilVerified(topology().settings(), {}, 30000);
    assert.equal(recovered.ok, true, recovered.failures.join("\n"));
  });

  it("fails on CKQUORUM when two of three sentinels are down", async () => {
    await waitUntilVerified(topology().settings(), {}, 30000);
    const [, second, third] = topology().sentinelEndpoints();
    await topology().stopSentinel(second);
    await topology().stopSentinel(third);
    try {
      const report = await verifyUntil(topology(), (r) =>
        r.failures.some((f) => /CKQUORUM .* failed: NOQUORUM/.test(f)),
      );
      assert.equal(report.ok, false);
      assert.ok(
        report.failures.some((f) => /CKQUORUM mymaster failed: NOQUORUM/.test(f)),
        report.failures.join("\n"),
      );
      for (const down of [second, third]) {
        assert.ok(
          report.failures.some((f) => f.startsWith(`sentinel ${endpointKey(down)} unreachable:`)),
          report.failures.join("\n"),
        );
      }
    } finally {
      await topology().startSentinel(second);
      await topology().startSentinel(third);
    }
  });
});
