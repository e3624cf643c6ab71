/**
 * The drill's logic without Redis: the judgement of an observation and the fault orchestration
 * against a fake injector and a fake Sentinel. Milliseconds, no processes (the preStop hook
 * scripts run in bash in tests/integration/chart-scripts.test.ts).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { FaultContext, injectFault } from "../../lib/drill/io/drillRun";
import { ScenarioObservation, judgeScenario } from "../../lib/drill/judge";
import { SCENARIOS, SCENARIO_SPECS, parseScenarios } from "../../lib/drill/scenarios";
import { Endpoint, FaultInjector, SentinelAdmin, endpointKey } from "../../lib/sentinel/ports";
import { DEFAULT_TUNING } from "../../lib/tuning";
import { PROJECT_DIR } from "../helpers/paths";

const healthy: ScenarioObservation = {
  scenario: "planned-failover",
  recovered: true,
  recoveryFailures: [],
  masterBefore: "10.0.0.1:6379",
  masterAfter: "10.0.0.2:6379",
  failovers: 1,
  lostAcknowledgedWrites: 0,
  writeUnavailableMs: 1200,
  masters: 1,
};

describe("drill scenarios: the list and the judgement", () => {
  it("lists every scenario once, each with a promise, the bare SENTINEL FAILOVER reported only", () => {
    assert.equal(new Set(SCENARIOS).size, SCENARIOS.length);
    assert.deepEqual(Object.keys(SCENARIO_SPECS).sort(), [...SCENARIOS].sort());
    const reportedOnly = SCENARIOS.filter((s) => !SCENARIO_SPECS[s].decidesExit);
    assert.deepEqual(reportedOnly, ["sentinel-failover"]);
    assert.throws(() => parseScenarios(["graceful-failover"]), /use one of master-crash/);
  });

  it("docs/drill.md describes every scenario and points to the one exit-code table", () => {
    const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "drill.md"), "utf8");
    for (const scenario of SCENARIOS) {
      assert.ok(doc.includes(`| \`${scenario}\``), `docs/drill.md has no row for ${scenario}`);
    }
    assert.match(doc, /docs\/automation\.md#exit-codes|automation\.md#exit-codes/);
  });

  const cases: {
    name: string;
    change: Partial<ScenarioObservation>;
    problems: RegExp[];
    warnings?: RegExp[];
  }[] = [
    { name: "a planned failover that held", change: {}, problems: [] },
    {
      name: "a planned failover that lost writes",
      change: { lostAcknowledgedWrites: 3 },
      problems: [/^3 WAIT-acknowledged writes lost$/],
    },
    {
      name: "a planned failover where the master stayed",
      change: { masterAfter: "10.0.0.1:6379", failovers: 0 },
      problems: [
        /^no failover observed \(0 switch-master, master 10.0.0.1:6379 -> 10.0.0.1:6379\)/,
      ],
    },
    {
      name: "one slow planned failover: a warning, the median decides",
      change: { writeUnavailableMs: 1700 },
      problems: [],
      warnings: [/1700 ms, above the 1500 ms median target/],
    },
    {
      name: "a rolling restart that failed over twice and ended where it began",
      change: { scenario: "rolling-restart", failovers: 2, masterAfter: "10.0.0.1:6379" },
      problems: [],
    },
    {
      name: "a rolling restart that failed over twice where once was enough",
      change: {
        scenario: "rolling-restart",
        failovers: 2,
        failoverBudget: { max: 1, why: "a restarted pod could take over" },
      },
      problems: [/^failed over 2 times, at most 1 expected \(a restarted pod could take over\)$/],
    },
    {
      name: "a rolling restart that failed over twice, as its start needed",
      change: {
        scenario: "rolling-restart",
        failovers: 2,
        failoverBudget: { max: 2, why: "the master was the first pod stopped" },
      },
      problems: [],
    },
    {
      name: "a rolling restart over its total budget",
      change: { scenario: "rolling-restart", failovers: 2, writeUnavailableMs: 3100 },
      problems: [/^writes unavailable for 3100 ms in all, more than the 3000 ms promised$/],
    },
    {
      name: "a stall that caused a failover",
      change: { scenario: "master-stall", failovers: 1 },
      problems: [/^unexpected failover \(1 switch-master/],
    },
    {
      name: "a replica crash without failover",
      change: { scenario: "replica-crash", failovers: 0, masterAfter: "10.0.0.1:6379" },
      problems: [],
    },
    {
      name: "all-down with two masters",
      change: { scenario: "all-down", failovers: 0, masters: 2 },
      problems: [/^2 nodes report role master after recovery, expected exactly 1$/],
    },
    {
      name: "a scenario that did not recover",
      change: {
        recovered: false,
        recoveryFailures: ["no sentinel answered"],
        masterAfter: undefined,
      },
      problems: [/^did not recover: no sentinel answered$/, /^no failover observed/],
    },
    {
      name: "a master crash within its median target",
      change: { scenario: "master-crash", writeUnavailableMs: 3400 },
      problems: [],
    },
  ];
  for (const c of cases) {
    it(`judges ${c.name}`, () => {
      const { problems, warnings } = judgeScenario({ ...healthy, ...c.change });
      assert.equal(problems.length, c.problems.length, problems.join("\n"));
      c.problems.forEach((pattern, i) => assert.match(problems[i], pattern));
      assert.equal(warnings.length, (c.warnings ?? []).length, warnings.join("\n"));
      (c.warnings ?? []).forEach((pattern, i) => assert.match(warnings[i], pattern));
    });
  }
});

describe("drill: fault orchestration against fakes", () => {
  const nodes: Endpoint[] = [0, 1, 2].map((i) => ({ host: `node-${i}`, port: 6379 }));

  function fakes(masterIndex: number) {
    const calls: string[] = [];
    let master = nodes[masterIndex];
    const injector: FaultInjector = {
      crash: async (n) => {
        calls.push(`crash ${n.host}`);
      },
      stop: async (n) => {
        calls.push(`stop ${n.host}`);
        if (endpointKey(n) === endpointKey(master)) {
          // The preStop hands over to the lowest higher ordinal (restarted already in a
          // rollout), else Sentinel's choice: the lowest ordinal (replica-priority).
          const i = nodes.indexOf(n);
          master = nodes[i + 1] ?? (nodes.find((x) => x.host !== n.host) as Endpoint);
        }
      },
      restore: async (n) => {
        calls.push(`restore ${n.host}`);
      },
      stopAll: async () => {
        calls.push("stopAll");
      },
      startAll: async () => {
        calls.push("startAll");
      },
      nodes: () => nodes,
    };
    const admin: SentinelAdmin = {
      master: async () => master,
      failover: async () => {
        calls.push("SENTINEL FAILOVER");
        master = nodes[(nodes.indexOf(master) + 1) % nodes.length];
      },
    };
    const events: string[] = [];
    const ctx: FaultContext = {
      injector,
      admin,
      tuning: DEFAULT_TUNING,
      master: nodes[masterIndex],
      event: (text) => events.push(text),
      waitHealthy: async () => {
        calls.push("healthy");
      },
      readerReplica: async () => nodes[1],
      sleep: async () => undefined,
      recoveryTimeoutMs: 1000,
      allDownMs: 10,
    };
    return { ctx, calls, events };
  }

  it("rolling-restart: highest ordinal first, each stopped, restarted and synced before the next", async () => {
    const { ctx, calls, events } = fakes(0);
    await injectFault("rolling-restart", ctx);
    assert.deepEqual(calls, [
      "stop node-2",
      "restore node-2",
      "healthy",
      "stop node-1",
      "restore node-1",
      "healthy",
      "stop node-0",
      "restore node-0",
      "healthy",
    ]);
    assert.deepEqual(
      events.filter((e) => e.startsWith("rolling: stopping")),
      [
        "rolling: stopping node-2:6379 (replica)",
        "rolling: stopping node-1:6379 (replica)",
        "rolling: stopping node-0:6379 (master)",
      ],
    );
  });

  it("rolling-restart with the master on the highest ordinal: its turn comes first, two failovers allowed", async () => {
    const { ctx, events } = fakes(2);
    const outcome = await injectFault("rolling-restart", ctx);
    assert.deepEqual(
      events.filter((e) => e.startsWith("rolling: stopping")),
      [
        "rolling: stopping node-2:6379 (master)",
        "rolling: stopping node-1:6379 (replica)",
        "rolling: stopping node-0:6379 (master)",
      ],
    );
    assert.equal(outcome.failoverBudget?.max, 2);
  });

  it("rolling-restart with the master on a lower ordinal: one failover allowed", async () => {
    for (const masterIndex of [0, 1]) {
      const { ctx } = fakes(masterIndex);
      const outcome = await injectFault("rolling-restart", ctx);
      assert.equal(outcome.failoverBudget?.max, 1, `master on node-${masterIndex}`);
    }
  });

  it("planned-failover stops the master through its hooks and restarts it; no SENTINEL FAILOVER of its own", async () => {
    const { ctx, calls } = fakes(1);
    await injectFault("planned-failover", ctx);
    assert.deepEqual(calls, ["stop node-1", "restore node-1"]);
  });

  it("sentinel-failover sends the bare command and waits for the new master", async () => {
    const { ctx, calls, events } = fakes(0);
    await injectFault("sentinel-failover", ctx);
    assert.deepEqual(calls, ["SENTINEL FAILOVER"]);
    assert.deepEqual(events, ["SENTINEL FAILOVER sent"]);
  });

  it("master-crash kills the master and restores it once the sentinels name another", async () => {
    const { ctx, calls } = fakes(0);
    ctx.admin.master = async () => nodes[1];
    await injectFault("master-crash", ctx);
    assert.deepEqual(calls, ["crash node-0", "restore node-0"]);
  });

  it("master-stall needs a target that can freeze a node", async () => {
    const { ctx } = fakes(0);
    await assert.rejects(injectFault("master-stall", ctx), /cannot freeze a node/);
  });
});
