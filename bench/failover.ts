/**
 * `npm run bench:failover [-- --runs N --chart-runs M --out DIR]`: every drill scenario N times
 * on a local topology with the stack's tuning, and the failover scenarios M times with the
 * chart's defaults, side by side (both topologies run at once). Prints a table and the target
 * verdicts (stderr) and the JSON (stdout), and writes DIR/failover.json and DIR/failover.svg.
 * Not a test: these are the speed figures the tests deliberately do not assert.
 *
 * Exit 0 when every promise of `SCENARIO_SPECS` holds for the stack's tuning (the bare
 * SENTINEL FAILOVER is reported only), 13 when one does not, 2 for bad flags, 3 without Redis
 * (lib/cli/exitCodes.ts).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ExitCode,
  ExitCodeValue,
  HELP,
  ToolMissingError,
  exitCodeHelp,
  mainOf,
  parseFlags,
} from "../lib/cli";
import { ScenarioResult, elapsedPrefix, runDrill } from "../lib/drill/io/drillRun";
import {
  LocalTopologyOptions,
  missingBinaries,
  missingBinariesMessage,
  withLocalTopology,
} from "../lib/topology/io/localTopology";
import { preStopPlan } from "../lib/topology/preStop";
import { SCENARIOS, SCENARIO_SPECS, ScenarioName } from "../lib/drill/scenarios";
import {
  CHART_DEFAULT_POD_SHUTDOWN,
  CHART_DEFAULT_TUNING,
  DEFAULT_TUNING,
  POD_SHUTDOWN,
} from "../lib/tuning";
import {
  Side,
  comparisonSvg,
  figuresTable,
  formatVerdicts,
  scenarioFigures,
  targetVerdicts,
} from "./failoverSummary";

/**
 * What the chart-default side runs: the scenarios that fail over (their promise is a failover),
 * whose write unavailability the comparison shows. The others (a replica crash, a stall, all
 * down) wait out the chart's 60 s down-after for nothing to compare.
 */
const CHART_SIDE_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((name) =>
  ["moves", "some"].includes(SCENARIO_SPECS[name].failover),
);

const USAGE = `Usage: npm run -s bench:failover [-- --runs N] [--chart-runs M] [--scenarios a,b] [--out DIR]
  --runs N        runs of every scenario with the stack's tuning (default 5)
  --chart-runs M  runs with the chart's defaults of ${CHART_SIDE_SCENARIOS.join(", ")}
                  (default 1; a master crash there takes over 60 s)
  --scenarios a,b only these scenarios (default: all: ${SCENARIOS.join(", ")})
  --plaintext     run "ours" without TLS (ACL users stay), to see what TLS costs
  --out DIR       where failover.json and failover.svg go (default drill-output/bench, ignored by git)
  -h, --help      this text

The JSON goes to stdout, progress and the table to stderr.

${exitCodeHelp(["ok", "usage", "toolMissing", "drillFailed"])}
`;

const BENCH_FLAGS = {
  runs: { type: "string" },
  "chart-runs": { type: "string" },
  scenarios: { type: "string", multiple: true },
  out: { type: "string" },
  plaintext: { type: "boolean" },
} as const;

interface BenchOptions {
  readonly runs: number;
  readonly chartRuns: number;
  readonly scenarios: readonly ScenarioName[];
  readonly outDir: string;
  readonly tls: boolean;
}

/** Parses the flags; every problem at once, scenario names checked before anything starts. */
function parseBenchArgs(argv: readonly string[]): BenchOptions | typeof HELP {
  const flags = parseFlags(argv, BENCH_FLAGS);
  if (flags.help) return HELP;
  const options = {
    runs: flags.integer("runs", 0) ?? 5,
    chartRuns: flags.integer("chart-runs", 0) ?? 1,
    scenarios: flags.oneOf("scenarios", SCENARIOS) ?? SCENARIOS,
    outDir: flags.value("out") ?? path.join("drill-output", "bench"),
    tls: !flags.has("plaintext"),
  };
  flags.finish();
  return options;
}

/**
 * How "ours" runs, as the JSON says: by default TLS only (`--plaintext`: without) and the
 * stack's ACL users, the load and the drill as the operator user, the preStop hooks too. The
 * chart side keeps the same ACL files (the local topology always has them) but plaintext, as the
 * chart's defaults have no TLS.
 */
function oursSecurity(tls: boolean): { tls: boolean; acl: true; user: "operator" } {
  return { tls, acl: true, user: "operator" };
}

interface SideRun {
  readonly label: string;
  readonly topology: LocalTopologyOptions;
  readonly scenarios: readonly ScenarioName[];
  readonly runs: number;
}

/** Runs every scenario `runs` times on one topology, one drill per run, with progress lines. */
async function runSide(side: SideRun, progress: (line: string) => void): Promise<ScenarioResult[]> {
  if (side.runs === 0 || side.scenarios.length === 0) {
    return [];
  }
  const tuning = side.topology.tuning ?? DEFAULT_TUNING;
  // Ctrl-C: the shell's interrupt policy (lib/cli/interrupts.ts) stops the topology's processes.
  return withLocalTopology(side.topology, async (topology) => {
    const results: ScenarioResult[] = [];
    for (const scenario of side.scenarios) {
      for (let run = 1; run <= side.runs; run++) {
        const label = `[${side.label}] ${scenario} run ${run}/${side.runs}`;
        progress(`${label}: started`);
        const report = await runDrill({
          settings: topology.settings(),
          injector: topology,
          tuning,
          scenarios: [scenario],
        });
        const result = report.scenarios[0];
        results.push(result);
        if (!result.ok && result.decidesExit) {
          // The timeline of a failed run, to see where it went wrong without a rerun.
          for (const event of result.events) {
            progress(`${label}:   at ${event.at} ms: ${event.text}`);
          }
        }
        progress(
          `${label}: ${result.ok ? "ok" : `FAILED (${result.problems.join("; ")})`}, writes unavailable ${result.writes?.unavailableMs ?? "-"} ms, ${result.lostAcknowledgedWrites}/${result.acknowledgedWrites} acknowledged writes lost, ${result.failovers} failover(s)`,
        );
      }
    }
    return results;
  });
}

function redisVersion(): string {
  try {
    return execFileSync("redis-server", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function run(options: BenchOptions): Promise<ExitCodeValue> {
  const { runs, chartRuns, scenarios, outDir } = options;
  const security = oursSecurity(options.tls);
  const missing = missingBinaries();
  if (missing.length > 0) throw new ToolMissingError(missingBinariesMessage(missing));
  const started = performance.now();
  const progress = (line: string): void => {
    process.stderr.write(`${elapsedPrefix(started, performance.now())}${line}\n`);
  };
  // Side by side: the chart side spends most of its time waiting out its 60 s down-after, so
  // running both topologies at once about halves the wall time; the load is light.
  const [oursResults, chartResults] = await Promise.all([
    runSide(
      {
        label: "ours",
        topology: {
          tuning: DEFAULT_TUNING,
          preStop: preStopPlan(POD_SHUTDOWN),
          replicaPriority: "by-ordinal",
          // What the stack deploys by default: ACL users (always, the drill runs as operator)
          // and TLS only.
          tls: security.tls,
        },
        scenarios,
        runs,
      },
      progress,
    ),
    runSide(
      {
        label: "chart-default",
        topology: {
          tuning: CHART_DEFAULT_TUNING,
          preStop: preStopPlan(CHART_DEFAULT_POD_SHUTDOWN, "chart"),
          replicaPriority: "redis-default",
        },
        scenarios: scenarios.filter((s) => CHART_SIDE_SCENARIOS.includes(s)),
        runs: chartRuns,
      },
      progress,
    ),
  ]);
  const sides: Side[] = [
    { label: "ours (stack tuning)", figures: scenarioFigures(oursResults) },
    { label: "chart 23.1.1 defaults", figures: scenarioFigures(chartResults) },
  ];
  const verdicts = targetVerdicts(sides[0].figures);
  const held = verdicts.every((v) => v.held || !v.decidesExit);
  const durationMs = Math.round(performance.now() - started);
  const environment = {
    redis: redisVersion(),
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
  };
  const result = {
    load: "SET + WAIT 1 500 every 20 ms, replica GET every 20 ms",
    ...environment,
    durationMs,
    runs,
    chartRuns,
    ours: {
      tuning: DEFAULT_TUNING,
      shutdown: POD_SHUTDOWN,
      security,
      figures: sides[0].figures,
    },
    chartDefault: {
      tuning: CHART_DEFAULT_TUNING,
      shutdown: CHART_DEFAULT_POD_SHUTDOWN,
      figures: sides[1].figures,
    },
    targets: verdicts,
    held,
  };
  fs.mkdirSync(outDir, { recursive: true });
  const json = JSON.stringify(result, null, 2);
  fs.writeFileSync(path.join(outDir, "failover.json"), `${json}\n`);
  fs.writeFileSync(
    path.join(outDir, "failover.svg"),
    comparisonSvg(
      sides,
      `Write unavailability per scenario, ${environment.redis.split(" ").slice(0, 3).join(" ")}, ${environment.cpus} cores`,
    ),
  );
  process.stderr.write(
    `\n${figuresTable(sides)}\n\n${formatVerdicts(verdicts)}\n\nbench:failover: ${held ? "every promise held" : "a promise was missed"} in ${(durationMs / 1000).toFixed(0)} s; wrote ${path.join(outDir, "failover.json")} and ${path.join(outDir, "failover.svg")}\n`,
  );
  process.stdout.write(`${json}\n`);
  return held ? ExitCode.ok : ExitCode.drillFailed;
}

mainOf({
  name: "bench:failover",
  help: USAGE,
  failure: ExitCode.internal,
  parse: parseBenchArgs,
  run,
});
