/**
 * `npm run -s drill -- <target> [flags]` / `npm run -s drill:local`: injects faults under steady
 * load and reports what clients saw, as a table (or JSON) and a timeline SVG. The command in one
 * file: its flags, help, parser (pure, tested directly), run and exit codes, over the shared
 * shell (lib/cli).
 */
import * as fs from "node:fs";
import * as path from "node:path";

import {
  CheckOutput,
  CliProgram,
  COMMAND_LINES,
  ExitCode,
  HELP,
  checkOutput,
  exitCodeHelp,
  mainOf,
  parseFlags,
} from "../lib/cli";
import {
  TARGET_FLAGS,
  checkTarget,
  requireLocalBinaries,
  targetFromFiles,
} from "../lib/cli/io/targets";
import { drillDeployment } from "../lib/topology/io/deployedTopology";
import { startCpuLoad } from "../lib/drill/io/cpuLoad";
import { DrillReport, runDrill } from "../lib/drill/io/drillRun";
import { withLocalTopology } from "../lib/topology/io/localTopology";
import { drillReportJson, formatDrillReport } from "../lib/drill/report";
import { SCENARIOS, SCENARIO_SPECS, ScenarioName } from "../lib/drill/scenarios";
import { timelineSvg } from "../lib/drill/timeline";
import { CHART_DEFAULT_TUNING, DEFAULT_TUNING } from "../lib/tuning";

export interface DrillOptions {
  readonly json: boolean;
  /** Run against a fresh local topology of real processes. */
  readonly local: boolean;
  /** Local topology with the chart's default tuning instead of ours. */
  readonly chartDefaults: boolean;
  /** `pulumi stack output --json --show-secrets` saved to a file: cluster mode. */
  readonly outputsFile: string | undefined;
  /** kubeconfig file that replaces the stack's `kubeconfig` output. */
  readonly kubeconfigFile: string | undefined;
  readonly scenarios: readonly ScenarioName[] | undefined;
  /** Where the timeline SVG goes. */
  readonly svgPath: string | undefined;
  /** `--cpu-load`: keep the machine's other cores busy during the drill. */
  readonly cpuLoad: boolean;
}

const DRILL_FLAGS = {
  ...TARGET_FLAGS,
  "chart-defaults": { type: "boolean" },
  scenarios: { type: "string", multiple: true },
  svg: { type: "string" },
  "cpu-load": { type: "boolean" },
} as const;

const DEFAULT_SVG = path.join("drill-output", "timeline.svg");

export const DRILL_HELP = `Usage: npm run -s drill -- <target> [--scenarios a,b] [--json] [--svg file]
       npm run -s drill:local [-- --scenarios a,b] [--chart-defaults]

Runs steady writes (SET + WAIT 1, sequence numbers) and replica reads, injects each fault
once verify passes, and reports per scenario: write/read unavailable windows, errors by kind,
latency p50/p99 before/during/after, and WAIT-acknowledged writes lost.

Scenarios (default: all, in this order):
${SCENARIOS.map((name) => `  ${name.padEnd(18)} ${SCENARIO_SPECS[name].fault}`).join("\n")}

Targets (choose one):
  --local                 a local topology of real redis-server/redis-sentinel processes on
                          loopback ports, tuned like the stack; removed afterwards (also on Ctrl-C)
    --chart-defaults      ... with the chart's default tuning (down-after 60 s) instead
  --outputs <file>        a deployed stack: \`pulumi stack output --json --show-secrets > file\`
    --kubeconfig <file>   kubeconfig to use instead of the stack's kubeconfig output
                          (the node count is the stack's: one per sentinelHosts entry)

Output:
  --scenarios a,b         scenarios to run (checked before anything starts)
  --json                  the report as JSON on stdout (progress goes to stderr)
  --svg <file>            timeline SVG (default ${DEFAULT_SVG})
  --cpu-load              keep the machine's other cores busy meanwhile (one busy worker
                          thread per core but one, at least one; bounded to 30 min)
  -h, --help              this text

${exitCodeHelp(COMMAND_LINES.drill.exitCodes)}
(sentinel-failover is reported only and never decides the exit code; the target is checked
within seconds, before any scenario)
`;

/**
 * Parses argv (without node and script); `--flag value` and `--flag=value` both work. Throws
 * one UsageError listing every problem, or returns HELP.
 */
export function parseDrillArgs(argv: readonly string[]): DrillOptions | typeof HELP {
  const flags = parseFlags(argv, DRILL_FLAGS);
  if (flags.help) return HELP;
  const options: DrillOptions = {
    json: flags.has("json"),
    local: flags.has("local"),
    chartDefaults: flags.has("chart-defaults"),
    outputsFile: flags.value("outputs"),
    kubeconfigFile: flags.value("kubeconfig"),
    // Checked before anything starts: a typo must not cost a drill's worth of waiting first.
    scenarios: flags.oneOf("scenarios", SCENARIOS),
    svgPath: flags.value("svg"),
    cpuLoad: flags.has("cpu-load"),
  };
  checkTarget(options, flags.problem.bind(flags), "--local or --outputs <file>");
  if (options.chartDefaults && !options.local) {
    flags.problem("--chart-defaults: only applies to --local");
  }
  flags.finish();
  return options;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function withCpuLoad(options: DrillOptions): Promise<DrillReport> {
  if (!options.cpuLoad) return drillTarget(options);
  const load = startCpuLoad();
  log(`drill: CPU load on: ${load.workers} busy worker thread(s) on the other cores`);
  try {
    return await drillTarget(options);
  } finally {
    await load.stop();
  }
}

async function drillTarget(options: DrillOptions): Promise<DrillReport> {
  const scenarios = options.scenarios;
  if (options.local) {
    const tuning = options.chartDefaults ? CHART_DEFAULT_TUNING : DEFAULT_TUNING;
    return withLocalTopology({ tuning }, (topology) => {
      log(`drill: local topology in ${topology.dir} (down-after ${tuning.downAfterMs} ms)`);
      return runDrill({
        settings: topology.settings(),
        injector: topology,
        tuning,
        scenarios,
        log,
      });
    });
  }
  // The parser allows --local or --outputs only: bare addresses cannot take faults.
  return drillDeployment(targetFromFiles(options.outputsFile ?? "", options.kubeconfigFile), {
    scenarios: scenarios === undefined ? undefined : [...scenarios],
  });
}

/** Runs the drill, writes the SVG, and says what to print. */
async function drill(options: DrillOptions): Promise<CheckOutput> {
  if (options.local) requireLocalBinaries();
  const report = await withCpuLoad(options);
  const svgPath = options.svgPath ?? DEFAULT_SVG;
  fs.mkdirSync(path.dirname(path.resolve(svgPath)), { recursive: true });
  fs.writeFileSync(svgPath, timelineSvg(report));
  log(`drill: timeline written to ${svgPath}`);
  return {
    ok: report.ok,
    stdout: options.json ? drillReportJson(report) : formatDrillReport(report),
  };
}

/** The command on the shell (`run` replaced in tests): a broken promise exits 13. */
export function drillProgram(
  run: (options: DrillOptions) => Promise<CheckOutput> = drill,
): CliProgram<DrillOptions> {
  return {
    name: "drill",
    help: DRILL_HELP,
    failure: ExitCode.drillFailed,
    parse: (argv) => parseDrillArgs(argv),
    run: async (options) => checkOutput(await run(options), ExitCode.drillFailed),
  };
}

if (require.main === module) mainOf(drillProgram());
