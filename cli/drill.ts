/**
 * `npm run drill -- [flags]` / `npm run drill:local`: injects faults under steady load and
 * reports what clients saw, as a table (or JSON) and a timeline SVG.
 * Exit codes: lib/cli/exitCodes.ts (0 every promise held, 13 a deciding scenario failed, 2 bad
 * flags, 3 a missing tool, 18 nothing answers at the target).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { exitCodeHelp, mainOf } from "../lib/cli";
import { SentinelCliOptions, sentinelProgram, targetFromFiles } from "../lib/sentinel/cliArgs";
import { drillDeployment } from "../lib/topology/io/deployedTopology";
import { DrillReport, runDrill } from "../lib/drill/io/drillRun";
import { SCENARIOS, SCENARIO_SPECS } from "../lib/drill/scenarios";
import { interruptExitCode, withLocalTopology } from "../lib/topology/io/localTopology";
import { startCpuLoad } from "../lib/drill/io/cpuLoad";
import { drillReportJson, formatDrillReport } from "../lib/drill/report";
import { timelineSvg } from "../lib/drill/timeline";
import { CHART_DEFAULT_TUNING, DEFAULT_TUNING } from "../lib/tuning";

const DEFAULT_SVG = path.join("drill-output", "timeline.svg");

const HELP = `Usage: npm run -s drill -- <target> [--scenarios a,b] [--json] [--svg file]
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

${exitCodeHelp(["ok", "usage", "toolMissing", "drillFailed", "redisUnreachable"])}
(sentinel-failover is reported only and never decides the exit code; the target is checked
within seconds, before any scenario)
`;

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function run(options: SentinelCliOptions): Promise<DrillReport> {
  if (!options.cpuLoad) return runTarget(options);
  const load = startCpuLoad();
  log(`drill: CPU load on: ${load.workers} busy worker thread(s) on the other cores`);
  try {
    return await runTarget(options);
  } finally {
    await load.stop();
  }
}

async function runTarget(options: SentinelCliOptions): Promise<DrillReport> {
  const scenarios = options.scenarios;
  if (options.local) {
    const tuning = options.chartDefaults ? CHART_DEFAULT_TUNING : DEFAULT_TUNING;
    return withLocalTopology({ tuning, onInterrupted: exitInterrupted }, (topology) => {
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

/** Ctrl-C during a local topology: its processes are stopped; the exit code says why. */
function exitInterrupted(signal: NodeJS.Signals): never {
  process.exit(interruptExitCode(signal));
}

mainOf(
  sentinelProgram({
    name: "drill",
    help: HELP,
    run: async (options) => {
      const report = await run(options);
      const svgPath = options.svgPath ?? DEFAULT_SVG;
      fs.mkdirSync(path.dirname(path.resolve(svgPath)), { recursive: true });
      fs.writeFileSync(svgPath, timelineSvg(report));
      log(`drill: timeline written to ${svgPath}`);
      return {
        ok: report.ok,
        output: options.json ? drillReportJson(report) : formatDrillReport(report),
      };
    },
  }),
);
