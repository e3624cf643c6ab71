/**
 * The pure parts of verify/drill: cluster naming and NAT map, error kinds, windows and
 * percentiles, the table, the SVG, and the config the local topology writes (their CLIs' flags:
 * tests/fast/cli-verify-drill.test.ts).
 */
import * as assert from "node:assert/strict";
import {
  parseScenarios,
  recoveryTimeoutFor,
  stallMsFor,
  DrillReport,
} from "../../lib/drill/io/drillRun";
import {
  missingBinaries,
  redisNodeConfig,
  sentinelConfig,
} from "../../lib/topology/io/localTopology";
import {
  Sample,
  classifyError,
  errorCounts,
  latencyIn,
  median,
  percentile,
  spans,
  totalMs,
  unavailableWindows,
} from "../../lib/drill/metrics";
import {
  announcedHostname,
  buildNatMap,
  podNameForHost,
  podNames,
  splitAddressKey,
} from "../../lib/topology/natMap";
import { formatDrillReport, formatTable } from "../../lib/drill/report";
import { escapeXml, tickStep, timelineSvg } from "../../lib/drill/timeline";
import { CHART_DEFAULT_TUNING, DEFAULT_TUNING, redisServerDirectives } from "../../lib/tuning";
import {
  VerifyReport,
  formatVerifyFailures,
  formatVerifyReport,
} from "../../lib/verify/io/healthChecks";

describe("sentinel cluster naming and natMap", () => {
  it("derives pod names from the release", () => {
    assert.deepEqual(podNames("redis"), ["redis-node-0", "redis-node-1", "redis-node-2"]);
    assert.deepEqual(podNames("cache", 2), ["cache-node-0", "cache-node-1"]);
    assert.throws(() => podNames("redis", 0), /nodes: 0 is not allowed/);
  });

  it("builds the hostname Sentinel announces", () => {
    assert.equal(
      announcedHostname("redis-node-0", "redis", "redis"),
      "redis-node-0.redis-headless.redis.svc.cluster.local",
    );
  });

  const hosts: [string, string | undefined][] = [
    ["redis-node-0.redis-headless.redis.svc.cluster.local", "redis-node-0"],
    ["redis-node-2.redis-headless.redis.svc.example.internal", "redis-node-2"],
    ["redis-node-1.redis-headless.redis.svc", "redis-node-1"],
    ["redis-node-1.redis-headless.redis", "redis-node-1"],
    ["redis-node-1.redis-headless", "redis-node-1"],
    ["redis-node-1", "redis-node-1"],
    ["10.107.88.17", "redis-node-1"], // by pod IP
    ["redis-node-0.redis-headless.other.svc.cluster.local", undefined], // other namespace
    ["other-node-0.other-headless.redis.svc.cluster.local", undefined], // other release
    ["redis-node-x.redis-headless.redis.svc.cluster.local", undefined],
    ["redis-master.redis.svc.cluster.local", undefined],
    ["10.107.88.99", undefined],
  ];
  for (const [host, pod] of hosts) {
    it(`maps host ${host} to ${pod ?? "no pod"}`, () => {
      const ips = new Map([["10.107.88.17", "redis-node-1"]]);
      assert.equal(podNameForHost(host, "redis", "redis", ips), pod);
    });
  }

  it("maps announced addresses to forwarded local ports, and nothing else", () => {
    const forwards = podNames("redis").flatMap((podName, i) => [
      { podName, remotePort: 6379, localHost: "127.0.0.1", localPort: 40000 + i },
      { podName, remotePort: 26379, localHost: "127.0.0.1", localPort: 41000 + i },
    ]);
    const natMap = buildNatMap(forwards, "redis", "redis");
    assert.deepEqual(natMap("redis-node-1.redis-headless.redis.svc.cluster.local:6379"), {
      host: "127.0.0.1",
      port: 40001,
    });
    assert.deepEqual(natMap("redis-node-2.redis-headless.redis.svc.cluster.local:26379"), {
      host: "127.0.0.1",
      port: 41002,
    });
    assert.equal(natMap("redis-node-1.redis-headless.redis.svc.cluster.local:9121"), null);
    assert.equal(natMap("redis-node-7.redis-headless.redis.svc.cluster.local:6379"), null);
    assert.equal(natMap("elsewhere:6379"), null);
    assert.equal(natMap("no-port"), null);
  });

  it("splits host:port keys on the last colon", () => {
    assert.deepEqual(splitAddressKey("a.b:6379"), { host: "a.b", port: 6379 });
    assert.equal(splitAddressKey("a.b:"), undefined);
    assert.equal(splitAddressKey(":6379"), undefined);
  });
});

describe("sentinel drill metrics", () => {
  const errors: [string, string][] = [
    ["NOREPLICAS Not enough good replicas to write.", "NOREPLICAS"],
    ["READONLY You can't write against a read only replica.", "READONLY"],
    ["LOADING Redis is loading the dataset in memory", "LOADING"],
    [
      "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
      "MASTERDOWN",
    ],
    ["Command timed out", "timeout"],
    ["connect ECONNREFUSED 127.0.0.1:6379", "connection"],
    ["Stream isn't writeable and enableOfflineQueue options is false", "connection"],
    ["Connection is closed.", "connection"],
    ["All sentinels are unreachable. Retrying from scratch after 100ms.", "connection"],
    ["ERR unknown command", "other"],
  ];
  for (const [message, kind] of errors) {
    it(`classifies "${message.slice(0, 30)}…" as ${kind}`, () => {
      assert.equal(classifyError(message), kind);
    });
  }

  const sample = (start: number, end: number, ok: boolean): Sample => ({
    start,
    end,
    ok,
    error: ok ? undefined : "connection",
  });

  it("measures unavailable windows from the first failure to the next success", () => {
    const samples = [
      sample(0, 1, true),
      sample(10, 11, false),
      sample(20, 21, false),
      sample(30, 35, true),
      sample(40, 41, false),
    ];
    assert.deepEqual(unavailableWindows(samples), [
      { from: 10, to: 35 },
      { from: 40, to: 41 },
    ]);
    assert.equal(totalMs(unavailableWindows(samples)), 26);
    assert.deepEqual(unavailableWindows([sample(0, 1, true)]), []);
  });

  it("computes nearest-rank percentiles and medians", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([], 50), undefined);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.equal(median([]), undefined);
  });

  it("takes latency from successful requests inside a phase only", () => {
    const samples = [
      sample(0, 2, true),
      sample(5, 105, false),
      sample(10, 14, true),
      sample(50, 51, true),
    ];
    assert.deepEqual(latencyIn(samples, { from: 0, to: 20 }), { count: 2, p50Ms: 2, p99Ms: 4 });
  });

  it("merges consecutive equal outcomes into spans", () => {
    const merged = spans([
      sample(0, 1, true),
      sample(2, 3, true),
      sample(4, 5, false),
      sample(6, 7, true),
    ]);
    assert.deepEqual(
      merged.map((s) => [s.from, s.to, s.ok, s.count]),
      [
        [0, 3, true, 2],
        [4, 5, false, 1],
        [6, 7, true, 1],
      ],
    );
  });

  it("stalls for half of down-after and allows the chart's 60 s down-after to recover", () => {
    assert.equal(stallMsFor(DEFAULT_TUNING), DEFAULT_TUNING.downAfterMs / 2);
    assert.ok(stallMsFor(DEFAULT_TUNING) < DEFAULT_TUNING.downAfterMs);
    assert.ok(recoveryTimeoutFor(CHART_DEFAULT_TUNING) > CHART_DEFAULT_TUNING.downAfterMs * 2);
  });

  it("rejects unknown scenario names with the allowed ones", () => {
    assert.deepEqual(parseScenarios(["master-crash", "all-down"]), ["master-crash", "all-down"]);
    assert.throws(
      () => parseScenarios(["master-crash", "meteor"]),
      /unknown scenario\(s\) meteor; use one of master-crash, planned-failover/,
    );
  });
});

describe("sentinel drill output", () => {
  const report: DrillReport = {
    ok: false,
    masterSet: "mymaster",
    tuning: DEFAULT_TUNING,
    startedAt: "2026-01-01T00:00:00.000Z",
    scenarios: [
      {
        scenario: "master-crash",
        ok: false,
        decidesExit: true,
        problems: ["3 WAIT-acknowledged writes lost"],
        warnings: [],
        failovers: 1,
        faultAt: 1000,
        recoveredAt: 5000,
        endAt: 6000,
        acknowledgedWrites: 100,
        lostAcknowledgedWrites: 3,
        lostWrites: [],
        events: [{ at: 3000, text: "+switch-master mymaster a 1 b 2" }],
        writes: {
          attempts: 3,
          succeeded: 2,
          unavailableMs: 2500,
          windows: [{ from: 1000, to: 3500 }],
          errors: { ...errorCounts([]), READONLY: 2, connection: 7 },
          latency: {
            before: { count: 1, p50Ms: 0.5, p99Ms: 1.5 },
            during: { count: 0, p50Ms: undefined, p99Ms: undefined },
            after: { count: 1, p50Ms: 0.6, p99Ms: 0.9 },
          },
          spans: [
            { from: 0, to: 1000, ok: true, count: 50 },
            { from: 1000, to: 3500, ok: false, error: "connection", count: 7 },
            { from: 3500, to: 6000, ok: true, count: 50 },
          ],
        },
        reads: {
          attempts: 1,
          succeeded: 1,
          unavailableMs: 0,
          windows: [],
          errors: errorCounts([]),
          latency: {
            before: { count: 1, p50Ms: 0.3, p99Ms: 0.3 },
            during: { count: 0, p50Ms: undefined, p99Ms: undefined },
            after: { count: 0, p50Ms: undefined, p99Ms: undefined },
          },
          spans: [{ from: 0, to: 6000, ok: true, count: 200 }],
        },
      },
      {
        scenario: "master-stall",
        ok: false,
        decidesExit: true,
        skipped: "cannot freeze",
        problems: [],
        warnings: [],
        failovers: 0,
        acknowledgedWrites: 0,
        lostAcknowledgedWrites: 0,
        lostWrites: [],
        events: [],
      },
    ],
  };

  it("renders a table row per scenario and a line per problem", () => {
    const text = formatDrillReport(report);
    assert.match(text, /^scenario\s+result\s+failovers\s+write-unavail-ms/);
    assert.match(
      text,
      /master-crash\s+FAILED\s+1\s+2500\s+0\s+READONLY:2 connection:7\s+-\s+0\.5\/1\.5\s+-\s+0\.6\/0\.9\s+3\/100/,
    );
    assert.match(text, /master-stall\s+skipped/);
    assert.match(text, /^FAIL master-crash: 3 WAIT-acknowledged writes lost$/m);
    assert.match(text, /^skip master-stall: cannot freeze$/m);
  });

  it("pads table columns", () => {
    assert.equal(formatTable(["a", "bb"], [["ccc", "d"]]), "a    bb\n---  --\nccc  d");
  });

  it("draws the timeline as SVG with a rect per span and the fault and failover marked", () => {
    const svg = timelineSvg(report);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.equal((svg.match(/<title>writes /g) ?? []).length, 3);
    assert.equal((svg.match(/<title>reads /g) ?? []).length, 1);
    assert.match(svg, /<title>fault at 1000 ms<\/title>/);
    assert.match(svg, /<title>switch-master at 3000 ms<\/title>/);
    assert.match(svg, /writes failed \(connection\) ×7/);
    assert.doesNotMatch(svg, /master-stall:/, "a skipped scenario has no panel");
    assert.equal(escapeXml(`<a & "b">`), "&lt;a &amp; &quot;b&quot;&gt;");
    assert.equal(tickStep(6000), 500);
    assert.equal(tickStep(90000), 10000);
  });
});

describe("sentinel local topology config", () => {
  it("writes the tuning module's directives, password auth and the chart's persistence", () => {
    const config = redisNodeConfig(DEFAULT_TUNING, 7001, "/d", "/d/log", "pw", 7000);
    for (const directive of redisServerDirectives(DEFAULT_TUNING)) {
      assert.ok(config.includes(`${directive}\n`), directive);
    }
    assert.match(config, /^requirepass pw$/m);
    assert.match(config, /^masterauth pw$/m);
    assert.match(config, /^appendonly yes$/m);
    assert.match(config, /^replicaof 127\.0\.0\.1 7000$/m);
    assert.match(config, /^bind 127\.0\.0\.1$/m);
    assert.doesNotMatch(
      redisNodeConfig(DEFAULT_TUNING, 7000, "/d", "/d/log", "pw", undefined),
      /replicaof/,
    );
  });

  it("puts sentinel auth-pass after the monitor line and uses the tuning's timings", () => {
    const lines = sentinelConfig(DEFAULT_TUNING, 26379, "/d", "/d/log", "pw", 7000).split("\n");
    const monitor = lines.indexOf("sentinel monitor mymaster 127.0.0.1 7000 2");
    assert.ok(monitor >= 0);
    assert.ok(lines.indexOf("sentinel auth-pass mymaster pw") > monitor);
    assert.ok(
      lines.includes(`sentinel down-after-milliseconds mymaster ${DEFAULT_TUNING.downAfterMs}`),
    );
    assert.ok(lines.includes("requirepass pw"));
  });

  it("names the missing binaries when they are not on PATH", () => {
    assert.deepEqual(missingBinaries("/nonexistent"), ["redis-server", "redis-sentinel"]);
  });
});

describe("verify output on the console", () => {
  const report: VerifyReport = {
    ok: false,
    masterSet: "mymaster",
    master: undefined,
    replicas: [],
    checks: [
      { name: "sentinel 10.0.0.5:26379 reachable", ok: true, detail: "answers" },
      {
        name: "sentinels agree on master",
        ok: false,
        detail: "sentinels disagree on the master of mymaster: a says x, b says y",
      },
      { name: "sentinel 10.0.0.5:26379 ckquorum", ok: false, detail: "NOQUORUM" },
    ],
    failures: ["sentinels disagree on the master of mymaster: a says x, b says y", "NOQUORUM"],
  };

  it("ends the text report with the names of the failed checks", () => {
    const lines = formatVerifyReport(report).split("\n");
    assert.equal(
      lines[lines.length - 1],
      "verify: 2 check(s) failed for mymaster: sentinels agree on master, sentinel 10.0.0.5:26379 ckquorum",
    );
  });

  it("lists only the failed checks for stderr beside JSON, and nothing when healthy", () => {
    assert.deepEqual(formatVerifyFailures(report).split("\n"), [
      "verify: 2 check(s) failed for mymaster:",
      "FAIL sentinels agree on master: sentinels disagree on the master of mymaster: a says x, b says y",
      "FAIL sentinel 10.0.0.5:26379 ckquorum: NOQUORUM",
    ]);
    assert.equal(formatVerifyFailures({ ...report, ok: true }), "");
  });
});
