/**
 * The engine benchmark's pure summary (bench/e2eSummary.ts): medians, ratios to the floor,
 * verdicts against the goals, the SVG.
 */
import * as assert from "node:assert/strict";

import { E2E_GOALS, E2E_STEPS, E2eRun, stepsSvg, summarizeE2e } from "../../bench/e2eSummary";

function run(seconds: Partial<Record<keyof E2eRun, number>>, peakMb = 300): E2eRun {
  const base = {
    floorNoOpUp: 4,
    firstUp: 12,
    noOpUp: 5,
    inPlaceUpdate: 10,
    destroy: 6,
    awsPreview: 7,
    ...seconds,
  };
  return Object.fromEntries(
    E2E_STEPS.map((step) => [
      step,
      step === "destroy"
        ? { seconds: base[step] }
        : { seconds: base[step], languageHostPeakMb: step === "floorNoOpUp" ? 999 : peakMb },
    ]),
  ) as unknown as E2eRun;
}

describe("bench:e2e summary", () => {
  it("takes each step's median and its multiple of the floor's median", () => {
    const summary = summarizeE2e([
      run({ floorNoOpUp: 4, noOpUp: 5 }),
      run({ floorNoOpUp: 6, noOpUp: 9 }),
      run({ floorNoOpUp: 5, noOpUp: 6 }),
    ]);
    const noOp = summary.steps.find((s) => s.step === "noOpUp");
    assert.deepEqual(noOp?.runs, [5, 9, 6]);
    assert.equal(noOp?.medianSeconds, 6);
    assert.equal(noOp?.toFloor, 1.2);
    assert.equal(summary.steps.find((s) => s.step === "floorNoOpUp")?.toFloor, 1);
    assert.deepEqual(
      summary.steps.map((s) => s.step),
      [...E2E_STEPS],
    );
  });

  it("holds when every goal holds", () => {
    const summary = summarizeE2e([run({})]);
    assert.equal(summary.held, true);
    assert.deepEqual(
      summary.verdicts.map((v) => [v.goal, v.held]),
      [
        ["no-op up / floor", true],
        ["first up (s)", true],
        ["in-place update (s)", true],
        ["language host peak (MB)", true],
      ],
    );
  });

  const misses: [string, E2eRun, string][] = [
    ["a slow no-op up", run({ floorNoOpUp: 4, noOpUp: 6.1 }), "no-op up / floor"],
    ["a slow first up", run({ firstUp: E2E_GOALS.firstUpSeconds + 0.1 }), "first up (s)"],
    [
      "a slow update",
      run({ inPlaceUpdate: E2E_GOALS.inPlaceUpdateSeconds + 0.1 }),
      "in-place update (s)",
    ],
    ["a large language host", run({}, E2E_GOALS.languageHostPeakMb + 1), "language host peak (MB)"],
  ];
  for (const [name, sample, goal] of misses) {
    it(`misses with ${name}`, () => {
      const summary = summarizeE2e([sample]);
      assert.equal(summary.held, false);
      assert.deepEqual(
        summary.verdicts.filter((v) => !v.held).map((v) => v.goal),
        [goal],
      );
    });
  }

  it("judges the project's language host, not the floor's", () => {
    const summary = summarizeE2e([run({}, 250)]);
    const peak = summary.verdicts.find((v) => v.goal === "language host peak (MB)");
    assert.equal(peak?.value, 250);
    assert.equal(summary.steps.find((s) => s.step === "destroy")?.languageHostPeakMb, undefined);
  });

  it("refuses to summarize no runs", () => {
    assert.throws(() => summarizeE2e([]), /no runs/);
  });

  it("draws a bar per step, a dot per run and the floor's line", () => {
    const svg = stepsSvg(summarizeE2e([run({}), run({ noOpUp: 7 })]), "t <&>");
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/<rect x="300"/g) ?? []).length, E2E_STEPS.length);
    assert.equal((svg.match(/<circle /g) ?? []).length, E2E_STEPS.length * 2);
    assert.match(svg, /stroke-dasharray="4 2"><title>floor 4 s<\/title>/);
    assert.match(svg, /t &lt;&amp;&gt;/);
    assert.match(svg, /6 s \(1\.5×\)/);
  });
});
