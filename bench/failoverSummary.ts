/**
 * The failover benchmark's arithmetic and pictures, pure: scenario results in, per-scenario
 * figures, target verdicts, a text table and an SVG bar chart out. Tested in
 * tests/fast/bench-failover-summary.test.ts; bench/failover.ts only runs the drills and writes the files.
 */
import { ScenarioResult } from "../lib/drill/io/drillRun";
import { median } from "../lib/drill/metrics";
import { formatTable } from "../lib/drill/report";
import { SCENARIOS, SCENARIO_SPECS, ScenarioName } from "../lib/drill/scenarios";
import { escapeXml } from "../lib/drill/timeline";

/** Figures of one scenario over its runs on one side (one tuning). */
export interface ScenarioFigures {
  readonly scenario: ScenarioName;
  readonly runs: number;
  /** Runs with a broken promise that is not about time (loss, failover, recovery, masters). */
  readonly brokenRuns: number;
  readonly writeUnavailableMs: {
    readonly median: number | undefined;
    readonly min: number | undefined;
    readonly max: number | undefined;
    readonly all: readonly number[];
  };
  readonly readUnavailableMedianMs: number | undefined;
  readonly lostAcknowledgedWrites: number;
  readonly acknowledgedWrites: number;
  readonly failovers: readonly number[];
  /** Every problem of every run, prefixed with its run number. */
  readonly problems: readonly string[];
}

/** The problems judgeScenario reports about time; the bench judges time itself. */
const TIMING_PROBLEM = /^writes unavailable for \d+ ms in all/;

/** Groups results by scenario, in `SCENARIOS` order, and computes the figures. */
export function scenarioFigures(results: readonly ScenarioResult[]): ScenarioFigures[] {
  return SCENARIOS.flatMap((scenario) => {
    const runs = results.filter((r) => r.scenario === scenario && r.skipped === undefined);
    if (runs.length === 0) {
      return [];
    }
    const writes = runs.map((r) => r.writes?.unavailableMs ?? 0);
    const reads = runs.map((r) => r.reads?.unavailableMs ?? 0);
    return [
      {
        scenario,
        runs: runs.length,
        brokenRuns: runs.filter((r) => r.problems.some((p) => !TIMING_PROBLEM.test(p))).length,
        writeUnavailableMs: {
          median: median(writes),
          min: Math.min(...writes),
          max: Math.max(...writes),
          all: writes,
        },
        readUnavailableMedianMs: median(reads),
        lostAcknowledgedWrites: runs.reduce((n, r) => n + r.lostAcknowledgedWrites, 0),
        acknowledgedWrites: runs.reduce((n, r) => n + r.acknowledgedWrites, 0),
        failovers: runs.map((r) => r.failovers),
        problems: runs.flatMap((r, i) => r.problems.map((p) => `run ${i + 1}: ${p}`)),
      },
    ];
  });
}

/** One promise checked over the runs. */
export interface TargetVerdict {
  readonly scenario: ScenarioName;
  readonly target: string;
  readonly measured: string;
  readonly held: boolean;
  /** False for the reported-only scenario: its verdict does not decide the exit code. */
  readonly decidesExit: boolean;
}

/** The promises of `SCENARIO_SPECS` checked against the figures of the stack's tuning. */
export function targetVerdicts(figures: readonly ScenarioFigures[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const f of figures) {
    const spec = SCENARIO_SPECS[f.scenario];
    const add = (target: string, measured: string, held: boolean): void => {
      verdicts.push({
        scenario: f.scenario,
        target,
        measured,
        held,
        decidesExit: spec.decidesExit,
      });
    };
    add(
      "0 WAIT-acknowledged writes lost",
      `${f.lostAcknowledgedWrites} of ${f.acknowledgedWrites}`,
      f.lostAcknowledgedWrites === 0,
    );
    add(
      spec.oneMaster
        ? "failover as promised, recovered, exactly one master"
        : "failover as promised, recovered",
      `${f.runs - f.brokenRuns} of ${f.runs} runs`,
      f.brokenRuns === 0,
    );
    if (spec.targetMedianWriteUnavailableMs !== undefined) {
      add(
        `median write unavailability <= ${spec.targetMedianWriteUnavailableMs} ms`,
        `${f.writeUnavailableMs.median ?? "-"} ms`,
        f.writeUnavailableMs.median !== undefined &&
          f.writeUnavailableMs.median <= spec.targetMedianWriteUnavailableMs,
      );
    }
    if (spec.maxWriteUnavailableMs !== undefined) {
      add(
        `write unavailability <= ${spec.maxWriteUnavailableMs} ms in every run`,
        `max ${f.writeUnavailableMs.max ?? "-"} ms`,
        f.writeUnavailableMs.max !== undefined &&
          f.writeUnavailableMs.max <= spec.maxWriteUnavailableMs,
      );
    }
  }
  return verdicts;
}

/** A side of the comparison: a name and its figures. */
export interface Side {
  readonly label: string;
  readonly figures: readonly ScenarioFigures[];
}

/** One row per scenario and side. */
export function figuresTable(sides: readonly Side[]): string {
  const rows = SCENARIOS.flatMap((scenario) =>
    sides.flatMap((side) => {
      const f = side.figures.find((x) => x.scenario === scenario);
      return f
        ? [
            [
              scenario,
              side.label,
              String(f.runs),
              `${f.writeUnavailableMs.median ?? "-"}`,
              `${f.writeUnavailableMs.min ?? "-"}-${f.writeUnavailableMs.max ?? "-"}`,
              `${f.readUnavailableMedianMs ?? "-"}`,
              f.failovers.join(","),
              `${f.lostAcknowledgedWrites}/${f.acknowledgedWrites}`,
            ],
          ]
        : [];
    }),
  );
  return formatTable(
    [
      "scenario",
      "tuning",
      "runs",
      "write-unavail-median-ms",
      "min-max",
      "read-unavail-median-ms",
      "failovers",
      "lost/acked",
    ],
    rows,
  );
}

/** The verdicts as lines: "ok  planned-failover: median ... (measured 1290 ms)". */
export function formatVerdicts(verdicts: readonly TargetVerdict[]): string {
  return verdicts
    .map(
      (v) =>
        `${v.held ? "ok  " : v.decidesExit ? "MISS" : "miss"} ${v.scenario}: ${v.target} (measured ${v.measured})` +
        (v.decidesExit ? "" : " [reported only]"),
    )
    .join("\n");
}

const SIDE_COLOURS = ["#1565c0", "#bdbdbd", "#ef6c00", "#6a1b9a"];

/**
 * A bar chart of write unavailability per scenario: one bar per side at the median, a whisker
 * from min to max, the run values as dots, and the scenario's target as a dashed line.
 */
export function comparisonSvg(sides: readonly Side[], title: string): string {
  const scenarios = SCENARIOS.filter((s) =>
    sides.some((side) => side.figures.some((f) => f.scenario === s)),
  );
  const width = 140 + scenarios.length * 150;
  const height = 420;
  const top = 60;
  const bottom = 340;
  const left = 80;
  const maxValue = Math.max(
    1000,
    ...sides.flatMap((s) => s.figures.map((f) => f.writeUnavailableMs.max ?? 0)),
    ...scenarios.map((s) => SCENARIO_SPECS[s].targetMedianWriteUnavailableMs ?? 0),
    ...scenarios.map((s) => SCENARIO_SPECS[s].maxWriteUnavailableMs ?? 0),
  );
  // A log scale: the chart's 60 s crash and a 1.3 s planned failover must both be readable.
  const logMax = Math.log10(maxValue * 1.2);
  const logMin = Math.log10(100);
  const y = (ms: number): number =>
    bottom - ((Math.log10(Math.max(ms, 100)) - logMin) / (logMax - logMin)) * (bottom - top);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="24" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${left}" y="42" fill="#555555">${escapeXml("write unavailability per run (ms, log scale): bar = median, whisker = min-max, dots = runs, dashed = target")}</text>`,
  ];
  for (const tick of [100, 300, 1000, 3000, 10000, 30000, 60000].filter(
    (t) => t <= maxValue * 1.2,
  )) {
    parts.push(
      `<line x1="${left}" y1="${y(tick).toFixed(1)}" x2="${width - 20}" y2="${y(tick).toFixed(1)}" stroke="#eeeeee"/>`,
      `<text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick >= 1000 ? `${tick / 1000} s` : `${tick} ms`}</text>`,
    );
  }
  const barWidth = Math.min(40, 110 / Math.max(1, sides.length));
  scenarios.forEach((scenario, i) => {
    const groupX = left + 20 + i * 150;
    const spec = SCENARIO_SPECS[scenario];
    const target = spec.targetMedianWriteUnavailableMs ?? spec.maxWriteUnavailableMs;
    if (target !== undefined) {
      parts.push(
        `<line x1="${groupX - 5}" y1="${y(target).toFixed(1)}" x2="${groupX + sides.length * barWidth + 5}" y2="${y(target).toFixed(1)}" stroke="#d32f2f" stroke-dasharray="4 2"><title>${escapeXml(`target ${spec.targetMedianWriteUnavailableMs !== undefined ? "median" : "every run"} <= ${target} ms`)}</title></line>`,
      );
    }
    sides.forEach((side, j) => {
      const f = side.figures.find((x) => x.scenario === scenario);
      if (!f || f.writeUnavailableMs.median === undefined) {
        return;
      }
      const x = groupX + j * barWidth;
      const colour = SIDE_COLOURS[j % SIDE_COLOURS.length];
      const mid = x + barWidth / 2 - 2;
      parts.push(
        `<rect x="${x}" y="${y(f.writeUnavailableMs.median).toFixed(1)}" width="${barWidth - 4}" height="${(bottom - y(f.writeUnavailableMs.median)).toFixed(1)}" fill="${colour}"><title>${escapeXml(`${scenario}, ${side.label}: median ${f.writeUnavailableMs.median} ms over ${f.runs} run(s), ${f.lostAcknowledgedWrites} acknowledged writes lost`)}</title></rect>`,
        `<line x1="${mid}" y1="${y(f.writeUnavailableMs.min ?? 0).toFixed(1)}" x2="${mid}" y2="${y(f.writeUnavailableMs.max ?? 0).toFixed(1)}" stroke="#000000"/>`,
        ...f.writeUnavailableMs.all.map(
          (v) =>
            `<circle cx="${mid}" cy="${y(v).toFixed(1)}" r="2" fill="#000000"><title>${v} ms</title></circle>`,
        ),
        `<text x="${mid}" y="${(y(f.writeUnavailableMs.median) - 4).toFixed(1)}" text-anchor="middle" font-size="9">${(f.writeUnavailableMs.median / 1000).toFixed(1)}s</text>`,
      );
      if (f.lostAcknowledgedWrites > 0) {
        parts.push(
          `<text x="${mid}" y="${bottom + 14 + 12 * j}" text-anchor="middle" font-size="9" fill="#d32f2f">${escapeXml(`${f.lostAcknowledgedWrites} lost`)}</text>`,
        );
      }
    });
    parts.push(
      `<text x="${groupX + (sides.length * barWidth) / 2}" y="${bottom + 44}" text-anchor="middle">${escapeXml(scenario)}</text>`,
    );
  });
  sides.forEach((side, j) => {
    const x = left + j * 220;
    parts.push(
      `<rect x="${x}" y="${height - 22}" width="12" height="12" fill="${SIDE_COLOURS[j % SIDE_COLOURS.length]}"/>`,
      `<text x="${x + 16}" y="${height - 12}">${escapeXml(side.label)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
