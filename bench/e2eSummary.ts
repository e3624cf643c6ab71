/**
 * The engine benchmark's arithmetic and picture, pure: the seconds and language-host memory of
 * each run in, medians, ratios to the floor (a one-resource TypeScript program's no-op `up` on
 * the same engine, in the same run), verdicts against the goals and an SVG out. Tested in
 * tests/fast/bench-e2e.test.ts; bench/e2e.ts only runs the commands and measures.
 */
import { median } from "../lib/drill/metrics";
import { escapeXml } from "../lib/drill/timeline";

/** What one command cost. */
export interface StepSample {
  readonly seconds: number;
  /** Peak resident memory of the language host's Node.js process; absent where none ran. */
  readonly languageHostPeakMb?: number;
}

/** The steps of one run, in the order they run; `floorNoOpUp` is the yardstick. */
export const E2E_STEPS = [
  "floorNoOpUp",
  "firstUp",
  "noOpUp",
  "inPlaceUpdate",
  "destroy",
  "awsPreview",
] as const;
export type E2eStep = (typeof E2E_STEPS)[number];

export type E2eRun = Readonly<Record<E2eStep, StepSample>>;

/** What each step is, for the JSON's readers and the picture. */
export const STEP_LABELS: Readonly<Record<E2eStep, string>> = {
  floorNoOpUp: "floor: no-op up of a one-ConfigMap TypeScript program",
  firstUp: "first up (clusterOnly)",
  noOpUp: "no-op up",
  inPlaceUpdate: "in-place update (sentinelDownAfterMs)",
  destroy: "destroy",
  awsPreview: "aws-mode preview, to the missing aws plugin",
};

/** The goals on this machine (issue 21); a verdict for each. */
export const E2E_GOALS = {
  noOpUpToFloor: 1.5,
  firstUpSeconds: 15,
  inPlaceUpdateSeconds: 12,
  languageHostPeakMb: 400,
} as const;

export interface StepFigures {
  readonly step: E2eStep;
  readonly medianSeconds: number;
  readonly runs: readonly number[];
  /** The step's median over the floor's median. */
  readonly toFloor: number;
  /** The highest language-host peak over the runs, where a language host ran. */
  readonly languageHostPeakMb?: number;
}

export interface Verdict {
  readonly goal: string;
  readonly value: number;
  readonly limit: number;
  readonly held: boolean;
}

export interface E2eSummary {
  readonly steps: readonly StepFigures[];
  readonly verdicts: readonly Verdict[];
  readonly held: boolean;
}

const round = (value: number, places: number): number => {
  const scale = 10 ** places;
  return Math.round(value * scale) / scale;
};

function medianOf(values: readonly number[]): number {
  const value = median(values);
  if (value === undefined) throw new Error("no runs to take a median of");
  return value;
}

/** Medians, ratios and verdicts over one or more runs. */
export function summarizeE2e(runs: readonly E2eRun[]): E2eSummary {
  if (runs.length === 0) throw new Error("no runs to summarize");
  const floor = medianOf(runs.map((r) => r.floorNoOpUp.seconds));
  const steps = E2E_STEPS.map((step): StepFigures => {
    const seconds = runs.map((r) => r[step].seconds);
    const peaks = runs.flatMap((r) => {
      const peak = r[step].languageHostPeakMb;
      return peak === undefined ? [] : [peak];
    });
    const medianSeconds = round(medianOf(seconds), 1);
    return {
      step,
      medianSeconds,
      runs: seconds,
      toFloor: round(medianOf(seconds) / floor, 2),
      ...(peaks.length > 0 ? { languageHostPeakMb: Math.max(...peaks) } : {}),
    };
  });
  const figure = (step: E2eStep): StepFigures => {
    const found = steps.find((s) => s.step === step);
    if (found === undefined) throw new Error(`no figures for ${step}`);
    return found;
  };
  const ourPeaks = steps
    .filter((s) => s.step !== "floorNoOpUp")
    .flatMap((s) => (s.languageHostPeakMb === undefined ? [] : [s.languageHostPeakMb]));
  const verdict = (goal: string, value: number, limit: number): Verdict => ({
    goal,
    value,
    limit,
    held: value <= limit,
  });
  const verdicts = [
    verdict("no-op up / floor", figure("noOpUp").toFloor, E2E_GOALS.noOpUpToFloor),
    verdict("first up (s)", figure("firstUp").medianSeconds, E2E_GOALS.firstUpSeconds),
    verdict(
      "in-place update (s)",
      figure("inPlaceUpdate").medianSeconds,
      E2E_GOALS.inPlaceUpdateSeconds,
    ),
    verdict(
      "language host peak (MB)",
      ourPeaks.length > 0 ? Math.max(...ourPeaks) : Number.NaN,
      E2E_GOALS.languageHostPeakMb,
    ),
  ];
  return { steps, verdicts, held: verdicts.every((v) => v.held) };
}

/**
 * One horizontal bar per step at its median, the runs as dots, and the floor's median as a
 * dashed line through every bar, so that each step reads as a multiple of what the engine costs.
 */
export function stepsSvg(summary: E2eSummary, title: string): string {
  const left = 300;
  const barHeight = 22;
  const gap = 12;
  const top = 64;
  const plotWidth = 420;
  const width = left + plotWidth + 120;
  const height = top + summary.steps.length * (barHeight + gap) + 40;
  const maxSeconds = Math.max(1, ...summary.steps.flatMap((s) => s.runs));
  const x = (seconds: number): number => left + (seconds / (maxSeconds * 1.1)) * plotWidth;
  const floor = summary.steps.find((s) => s.step === "floorNoOpUp");
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="24" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="16" y="42" fill="#555555">${escapeXml("seconds per step: bar = median, dots = runs, dashed = the floor's median; right: multiple of the floor")}</text>`,
  ];
  summary.steps.forEach((s, i) => {
    const y = top + i * (barHeight + gap);
    const colour = s.step === "floorNoOpUp" ? "#bdbdbd" : "#1565c0";
    parts.push(
      `<text x="${left - 8}" y="${y + barHeight / 2 + 4}" text-anchor="end">${escapeXml(STEP_LABELS[s.step])}</text>`,
      `<rect x="${left}" y="${y}" width="${(x(s.medianSeconds) - left).toFixed(1)}" height="${barHeight}" fill="${colour}"><title>${escapeXml(`${s.step}: median ${s.medianSeconds} s over ${s.runs.length} run(s)${s.languageHostPeakMb === undefined ? "" : `, language host peak ${s.languageHostPeakMb} MB`}`)}</title></rect>`,
      ...s.runs.map(
        (v) =>
          `<circle cx="${x(v).toFixed(1)}" cy="${y + barHeight / 2}" r="2.5" fill="#000000"><title>${v} s</title></circle>`,
      ),
      `<text x="${(x(s.medianSeconds) + 8).toFixed(1)}" y="${y + barHeight / 2 + 4}">${escapeXml(`${s.medianSeconds} s (${s.toFloor}×)`)}</text>`,
    );
  });
  if (floor !== undefined) {
    const fx = x(floor.medianSeconds).toFixed(1);
    parts.push(
      `<line x1="${fx}" y1="${top - 6}" x2="${fx}" y2="${height - 30}" stroke="#d32f2f" stroke-dasharray="4 2"><title>${escapeXml(`floor ${floor.medianSeconds} s`)}</title></line>`,
    );
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
