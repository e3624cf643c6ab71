/**
 * `npm run bench:e2e`: how long the real engine takes for a clusterOnly stack, on the e2e
 * cluster (the shared toolchain's simulated one, or ANDYREDIS_E2E_KUBECONFIG). Prints JSON:
 * seconds to a ready cluster, the first `up`, a no-op `up`, an in-place update, and `destroy`.
 *   npm run -s bench:e2e [-- --runs N]
 */
import { ExitCode, ExitCodeValue, HELP, exitCodeHelp, mainOf, parseFlags } from "../lib/cli";
import { startEnvironment, stopEnvironment } from "../tests/e2e/helpers/environment";
import { PulumiProject } from "../tests/e2e/helpers/pulumi";
import { createClusterOnlyStack } from "../tests/e2e/helpers/stack";

const USAGE = `Usage: npm run -s bench:e2e [-- --runs N]
  --runs N        runs of up, no-op up, in-place update and destroy (1 to 10, default 1)
  -h, --help      this text

Prints the seconds as JSON on stdout, progress on stderr.

${exitCodeHelp(["ok", "usage", "internal"])}
`;

interface RunFigures {
  readonly firstUp: number;
  readonly noOpUp: number;
  readonly inPlaceUpdate: number;
  readonly destroy: number;
}

async function timed(project: PulumiProject, args: string[]): Promise<number> {
  const result = await project.pulumiOk(args);
  return Math.round(result.seconds * 10) / 10;
}

async function oneRun(run: number): Promise<RunFigures> {
  const project = new PulumiProject(`bench-${run}`);
  const stack = `bench${run}`;
  await createClusterOnlyStack(project, stack);
  const firstUp = await timed(project, ["up", "--yes", "--stack", stack]);
  const noOpUp = await timed(project, ["up", "--yes", "--stack", stack]);
  await project.setConfig(stack, { "andyredis:sentinelDownAfterMs": String(1500 + run) });
  const inPlaceUpdate = await timed(project, ["up", "--yes", "--stack", stack]);
  const destroy = await timed(project, ["destroy", "--yes", "--stack", stack]);
  return { firstUp, noOpUp, inPlaceUpdate, destroy };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Math.round(value * 10) / 10;
}

function parseBenchArgs(argv: readonly string[]): number | typeof HELP {
  const flags = parseFlags(argv, { runs: { type: "string" } });
  if (flags.help) return HELP;
  const runs = flags.integer("runs", 1, 10) ?? 1;
  flags.finish();
  return runs;
}

async function run(runs: number): Promise<ExitCodeValue> {
  const started = Date.now();
  const env = await startEnvironment();
  try {
    const results: RunFigures[] = [];
    for (let run = 1; run <= runs; run++) {
      process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] run ${run}/${runs}\n`);
      results.push(await oneRun(run));
    }
    const pick = (key: keyof RunFigures): number => median(results.map((r) => r[key]));
    const figures = {
      cluster: env.cluster,
      clusterReadySeconds: Math.round(env.clusterReadySeconds * 10) / 10,
      runs,
      medianSeconds: {
        firstUp: pick("firstUp"),
        noOpUp: pick("noOpUp"),
        inPlaceUpdate: pick("inPlaceUpdate"),
        destroy: pick("destroy"),
      },
      results,
    };
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    return ExitCode.ok;
  } finally {
    await stopEnvironment();
  }
}

mainOf({
  name: "bench:e2e",
  help: USAGE,
  failure: ExitCode.internal,
  parse: parseBenchArgs,
  run,
});
