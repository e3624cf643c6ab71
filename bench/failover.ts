/**
 * `npm run bench:failover [-- --runs N --chart-runs M]`: master-crash N times on a local
 * topology with our tuning and M times with the chart's default tuning, side by side (both
 * topologies run at once), plus one stall with our tuning; prints JSON. Not a test: these are
 * the speed figures the tests deliberately do not assert.
 *
 * Exit 0 when every target holds: median write unavailability ≤ 4 s with our tuning, no
 * WAIT-acknowledged write lost on either side, and no failover in the stall.
 */
import { execFileSync } from "node:child_process";
import { errorMessage } from "../lib/sentinel/clients";
import { DrillReport, ScenarioName, runDrill } from "../lib/sentinel/drill";
import {
  missingBinaries,
  missingBinariesMessage,
  withLocalTopology,
} from "../lib/sentinel/localTopology";
import { median } from "../lib/sentinel/metrics";
import { CHART_DEFAULT_TUNING, DEFAULT_TUNING, RedisTuning } from "../lib/tuning";

/** The target for our tuning: median write unavailability after a master crash. */
const TARGET_MEDIAN_WRITE_UNAVAILABLE_MS = 4000;

interface SideResult {
  readonly tuning: RedisTuning;
  readonly runs: number;
  readonly failedRuns: number;
  readonly problems: readonly string[];
  readonly writeUnavailableMs: {
    readonly median: number | undefined;
    readonly max: number | undefined;
    readonly all: readonly number[];
  };
  readonly readUnavailableMs: {
    readonly median: number | undefined;
    readonly max: number | undefined;
  };
  readonly lostAcknowledgedWrites: number;
  readonly acknowledgedWrites: number;
  readonly failoversObserved: number;
  /** Failovers during the stall run (only for our tuning; must be 0). */
  readonly stallFailovers?: number;
}

function parseCount(argv: readonly string[], flag: string, fallback: number): number {
  const index = argv.indexOf(flag);
  if (index < 0) {
    return fallback;
  }
  const value = Number(argv[index + 1]);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${flag}: "${argv[index + 1]}" is not allowed; use an integer of at least 0`);
  }
  return value;
}

async function side(
  tuning: RedisTuning,
  runs: number,
  withStall: boolean,
  label: string,
): Promise<SideResult> {
  const scenarios: ScenarioName[] = [...Array<ScenarioName>(runs).fill("master-crash")];
  if (withStall) {
    scenarios.push("master-stall");
  }
  const report: DrillReport =
    scenarios.length === 0
      ? {
          ok: true,
          masterSet: tuning.masterSet,
          tuning,
          startedAt: new Date().toISOString(),
          scenarios: [],
        }
      : await withLocalTopology({ tuning }, (topology) =>
          runDrill({
            settings: topology.settings(),
            injector: topology,
            tuning,
            scenarios,
            log: (line) => process.stderr.write(`[${label}] ${line}\n`),
          }),
        );
  const crashes = report.scenarios.filter((s) => s.scenario === "master-crash");
  const stall = report.scenarios.find((s) => s.scenario === "master-stall");
  const writeWindows = crashes.filter((s) => s.writes).map((s) => s.writes?.unavailableMs ?? 0);
  const readWindows = crashes.filter((s) => s.reads).map((s) => s.reads?.unavailableMs ?? 0);
  return {
    tuning,
    runs: crashes.length,
    failedRuns: crashes.filter((s) => !s.ok).length,
    problems: report.scenarios.flatMap((s) => s.problems.map((p) => `${s.scenario}: ${p}`)),
    writeUnavailableMs: {
      median: median(writeWindows),
      max: writeWindows.length > 0 ? Math.max(...writeWindows) : undefined,
      all: writeWindows,
    },
    readUnavailableMs: {
      median: median(readWindows),
      max: readWindows.length > 0 ? Math.max(...readWindows) : undefined,
    },
    lostAcknowledgedWrites: report.scenarios.reduce((n, s) => n + s.lostAcknowledgedWrites, 0),
    acknowledgedWrites: report.scenarios.reduce((n, s) => n + s.acknowledgedWrites, 0),
    failoversObserved: crashes.reduce((n, s) => n + s.failovers, 0),
    ...(stall ? { stallFailovers: stall.failovers } : {}),
  };
}

function redisVersion(): string {
  try {
    return execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help")) {
    process.stdout.write(
      "Usage: npm run bench:failover [-- --runs N] [--chart-runs M]\n" +
        "  --runs N        master crashes with our tuning (default 5)\n" +
        "  --chart-runs M  master crashes with the chart's default tuning, > 60 s each (default 1)\n",
    );
    return 0;
  }
  const missing = missingBinaries();
  if (missing.length > 0) {
    process.stderr.write(`${missingBinariesMessage(missing)}\n`);
    return 3;
  }
  const runs = parseCount(argv, "--runs", 5);
  const chartRuns = parseCount(argv, "--chart-runs", 1);
  const started = Date.now();
  // Side by side: the chart side spends most of its time waiting out down-after, so running the
  // two topologies at once halves the wall time; the load is a few hundred requests per second.
  const [ours, chartDefault] = await Promise.all([
    side(DEFAULT_TUNING, runs, true, "ours"),
    side(CHART_DEFAULT_TUNING, chartRuns, false, "chart-default"),
  ]);
  const targets = {
    medianWriteUnavailableWithinTarget:
      ours.writeUnavailableMs.median !== undefined &&
      ours.writeUnavailableMs.median <= TARGET_MEDIAN_WRITE_UNAVAILABLE_MS,
    noLostAcknowledgedWrites:
      ours.lostAcknowledgedWrites === 0 && chartDefault.lostAcknowledgedWrites === 0,
    noFailoverInStall: ours.stallFailovers === 0,
    everyRunFailedOver: ours.failedRuns === 0 && chartDefault.failedRuns === 0,
  };
  const result = {
    scenario: "master-crash (SIGKILL), write load SET + WAIT 1",
    targetMedianWriteUnavailableMs: TARGET_MEDIAN_WRITE_UNAVAILABLE_MS,
    redis: redisVersion(),
    node: process.version,
    durationMs: Date.now() - started,
    ours,
    chartDefault,
    targets,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return Object.values(targets).every(Boolean) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:failover: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
