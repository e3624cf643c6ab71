/**
 * The failover benchmark's pure summary: figures per scenario, the verdicts against the
 * promises of SCENARIO_SPECS, the table and the comparison SVG.
 */
import * as assert from "node:assert/strict";
import {
  comparisonSvg,
  figuresTable,
  formatVerdicts,
  scenarioFigures,
  targetVerdicts,
} from "../../bench/failoverSummary";
import { ScenarioResult } from "../../lib/drill/io/drillRun";
import { errorCounts } from "../../lib/drill/metrics";
import { ScenarioName } from "../../lib/drill/scenarios";

function result(
  scenario: ScenarioName,
  writeUnavailableMs: number,
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  const errors = errorCounts([]);
  const latency = { count: 0, p50Ms: undefined, p99Ms: undefined };
  const traffic = (unavailableMs: number) => ({
    attempts: 10,
    succeeded: 9,
    unavailableMs,
    windows: [],
    errors,
    latency: { before: latency, during: latency, after: latency },
    spans: [],
  });
  return {
    scenario,
    ok: true,
    decidesExit: scenario !== "sentinel-failover",
    problems: [],
    warnings: [],
    failovers: 1,
    acknowledgedWrites: 100,
    lostAcknowledgedWrites: 0,
    lostWrites: [],
    events: [],
    writes: traffic(writeUnavailableMs),
    reads: traffic(100),
    ...extra,
  };
}

describe("failover bench summary", () => {
  const ours = [
    result("planned-failover", 1300),
    result("planned-failover", 1250),
    result("planned-failover", 1700, { warnings: ["above the median target"] }),
    result("rolling-restart", 2600, { failovers: 2 }),
    result("rolling-restart", 1300),
    result("sentinel-failover", 1200, {
      ok: false,
      problems: ["40 WAIT-acknowledged writes lost"],
      lostAcknowledgedWrites: 40,
    }),
  ];

  it("groups runs by scenario in drill order, with median, range and totals", () => {
    const figures = scenarioFigures(ours);
    assert.deepEqual(
      figures.map((f) => f.scenario),
      ["planned-failover", "rolling-restart", "sentinel-failover"],
    );
    const planned = figures[0];
    assert.deepEqual(planned.writeUnavailableMs, {
      median: 1300,
      min: 1250,
      max: 1700,
      all: [1300, 1250, 1700],
    });
    assert.equal(planned.acknowledgedWrites, 300);
    assert.equal(planned.brokenRuns, 0);
    assert.deepEqual(figures[1].failovers, [2, 1]);
    assert.equal(figures[2].brokenRuns, 1);
  });

  it("holds the promises on medians and every-run limits; the bare failover is reported only", () => {
    const verdicts = targetVerdicts(scenarioFigures(ours));
    const missed = verdicts.filter((v) => !v.held);
    assert.deepEqual(
      missed.map((v) => [v.scenario, v.decidesExit]),
      [
        ["sentinel-failover", false],
        ["sentinel-failover", false],
      ],
    );
    assert.match(
      formatVerdicts(verdicts),
      /^ok {3}planned-failover: median write unavailability <= 1500 ms \(measured 1300 ms\)$/m,
    );
    assert.match(
      formatVerdicts(verdicts),
      /^miss sentinel-failover: 0 WAIT-acknowledged writes lost \(measured 40 of 100\) \[reported only\]$/m,
    );
  });

  it("misses a rolling restart over 3 s in any run, and a lost write anywhere", () => {
    const verdicts = targetVerdicts(
      scenarioFigures([
        result("rolling-restart", 1300),
        result("rolling-restart", 3100),
        result("master-crash", 3300, {
          lostAcknowledgedWrites: 1,
          problems: ["1 WAIT-acknowledged writes lost"],
        }),
      ]),
    );
    assert.deepEqual(
      verdicts.filter((v) => !v.held).map((v) => `${v.scenario}: ${v.target}`),
      [
        "master-crash: 0 WAIT-acknowledged writes lost",
        "master-crash: failover as promised, recovered",
        "rolling-restart: write unavailability <= 3000 ms in every run",
      ],
    );
  });

  it("tabulates both sides and draws one bar per scenario and side, with the targets", () => {
    const sides = [
      { label: "ours", figures: scenarioFigures(ours) },
      {
        label: "chart",
        figures: scenarioFigures([result("planned-failover", 1400), result("master-crash", 60900)]),
      },
    ];
    const table = figuresTable(sides);
    assert.match(table, /^planned-failover\s+ours\s+3\s+1300\s+1250-1700\s+100\s+1,1,1\s+0\/300$/m);
    assert.match(table, /^master-crash\s+chart\s+1\s+60900/m);
    const svg = comparisonSvg(sides, "title <&>");
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /title &lt;&amp;&gt;/);
    // One bar (a rect with a tooltip) per scenario and side that ran: 3 ours + 2 chart.
    assert.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 5);
    assert.match(svg, /<title>target median &lt;= 1500 ms<\/title>/);
    assert.match(svg, /<title>target every run &lt;= 3000 ms<\/title>/);
    assert.match(svg, />40 lost</);
  });
});
