/**
 * `npm run bench:e2e`: how long the real engine takes for a clusterOnly stack, on the e2e
 * cluster (the shared toolchain's simulated one, or ANDYREDIS_E2E_KUBECONFIG), against a floor
 * measured in the same run on the same engine: the no-op `up` of a one-ConfigMap TypeScript
 * program with this project's runtime settings. Also the aws-mode `preview` of the shipped dev
 * stack up to where the engine stops (at the missing aws plugin here), and the language host's
 * peak memory. Prints JSON on stdout and writes DIR/e2e.json and DIR/e2e.svg.
 *   npm run -s bench:e2e [-- --runs N] [--out DIR]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

import { ExitCode, ExitCodeValue, HELP, exitCodeHelp, mainOf, parseFlags } from "../lib/cli";
import { PROJECT_DIR } from "../tests/helpers/paths";
import { startEnvironment, stopEnvironment } from "../tests/e2e/helpers/environment";
import { CommandResult, PulumiProject } from "../tests/e2e/helpers/pulumi";
import { createClusterOnlyStack, selectShippedDevStack } from "../tests/e2e/helpers/stack";
import { E2eRun, E2E_GOALS, StepSample, STEP_LABELS, stepsSvg, summarizeE2e } from "./e2eSummary";

const USAGE = `Usage: npm run -s bench:e2e [-- --runs N] [--out DIR]
  --runs N        runs of every step (1 to 10, default 1)
  --out DIR       where e2e.json and e2e.svg go (default drill-output/bench, ignored by git)
  -h, --help      this text

Prints the figures as JSON on stdout, progress and verdicts on stderr; exits 0 when every goal
held (${Object.entries(E2E_GOALS)
  .map(([k, v]) => `${k} ${v}`)
  .join(", ")}).

${exitCodeHelp(["ok", "usage", "drillFailed", "internal"])}
`;

interface BenchArgs {
  readonly runs: number;
  readonly outDir: string;
}

/** The language host's Node.js process: the SDK's `cmd/run`, started by the language plugin. */
const LANGUAGE_HOST = "@pulumi/pulumi/cmd/run";

/**
 * Samples the peak resident memory (VmHWM) of the language-host processes that run in `dir` (the
 * project's copy: the language plugin starts Node.js there) while a command runs; Linux only (it
 * reads /proc). Other Pulumi programs on the machine run elsewhere and are not counted. VmHWM
 * only grows, so the last sample of a process is its peak up to then.
 */
function languageHostSampler(dir: string): { stop(): number | undefined } {
  const root = fs.realpathSync(dir);
  const peaks = new Map<string, number>();
  const sample = (): void => {
    let pids: string[];
    try {
      pids = fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
    } catch {
      return;
    }
    for (const pid of pids) {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (!cmdline.includes(LANGUAGE_HOST)) continue;
        if (fs.readlinkSync(`/proc/${pid}/cwd`) !== root) continue;
        const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        if (hwm) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, Number(hwm[1])));
      } catch {
        // The process ended between the listing and the read.
      }
    }
  };
  const timer = setInterval(sample, 40);
  return {
    stop(): number | undefined {
      clearInterval(timer);
      sample();
      if (peaks.size === 0) return undefined;
      return Math.round(Math.max(...peaks.values()) / 1024);
    },
  };
}

async function measured(
  project: PulumiProject,
  command: () => Promise<CommandResult>,
  check: (result: CommandResult) => void = okOrThrow,
): Promise<StepSample> {
  const sampler = languageHostSampler(project.dir);
  let peak: number | undefined;
  let result: CommandResult;
  try {
    result = await command();
  } finally {
    peak = sampler.stop();
  }
  check(result);
  return {
    seconds: Math.round(result.seconds * 10) / 10,
    ...(peak === undefined ? {} : { languageHostPeakMb: peak }),
  };
}

function okOrThrow(result: CommandResult): void {
  if (result.code !== 0) {
    throw new Error(`a command exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
}

/** The floor: one ConfigMap, with this project's runtime settings and TypeScript options. */
function floorFiles(): Record<string, string> {
  const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
    runtime: unknown;
  };
  return {
    "Pulumi.yaml": YAML.stringify({ name: "floor", runtime: project.runtime }),
    "package.json": JSON.stringify({ name: "floor", private: true, main: "index.ts" }),
    "tsconfig.json": fs.readFileSync(path.join(PROJECT_DIR, "tsconfig.json"), "utf8"),
    "index.ts": [
      'import * as k8s from "@pulumi/kubernetes";',
      "",
      'const map = new k8s.core.v1.ConfigMap("floor", {',
      '  metadata: { namespace: "default" },',
      '  data: { floor: "1" },',
      "});",
      "export const name = map.metadata.name;",
      "",
    ].join("\n"),
  };
}

async function oneRun(run: number, kubeconfig: string): Promise<E2eRun> {
  const floor = new PulumiProject(`bench-floor-${run}`, floorFiles());
  await floor.pulumiOk(["stack", "init", "floor", "--secrets-provider", "passphrase"]);
  await floor.setSecret("floor", "kubernetes:kubeconfig", kubeconfig);
  await floor.pulumiOk(["up", "--yes", "--stack", "floor"]);
  const floorNoOpUp = await measured(floor, () =>
    floor.pulumi(["up", "--yes", "--stack", "floor"]),
  );
  await floor.pulumiOk(["destroy", "--yes", "--stack", "floor"]);

  const project = new PulumiProject(`bench-${run}`);
  const stack = `bench${run}`;
  await createClusterOnlyStack(project, stack);
  const up = (): Promise<CommandResult> => project.pulumi(["up", "--yes", "--stack", stack]);
  const firstUp = await measured(project, up);
  const noOpUp = await measured(project, up);
  await project.setConfig(stack, { "andyredis:sentinelDownAfterMs": String(1500 + run) });
  const inPlaceUpdate = await measured(project, up);
  const destroy = await measured(project, () =>
    project.pulumi(["destroy", "--yes", "--stack", stack]),
  );

  // aws mode: the shipped dev stack, as far as the engine gets without the aws plugin.
  await selectShippedDevStack(project);
  const awsPreview = await measured(
    project,
    () => project.pulumi(["preview", "--stack", "dev"]),
    (result) => {
      const text = result.stdout + result.stderr;
      if (result.code === 0) return;
      if (!/pulumi-resource-aws|resource plugin aws|plugin for aws provider/.test(text)) {
        throw new Error(`the aws-mode preview failed before the aws plugin:\n${text}`);
      }
    },
  );
  return { floorNoOpUp, firstUp, noOpUp, inPlaceUpdate, destroy, awsPreview };
}

function parseBenchArgs(argv: readonly string[]): BenchArgs | typeof HELP {
  const flags = parseFlags(argv, { runs: { type: "string" }, out: { type: "string" } });
  if (flags.help) return HELP;
  const runs = flags.integer("runs", 1, 10) ?? 1;
  const outDir = flags.value("out") ?? path.join("drill-output", "bench");
  flags.finish();
  return { runs, outDir };
}

async function run(args: BenchArgs): Promise<ExitCodeValue> {
  const started = Date.now();
  const env = await startEnvironment();
  try {
    const runs: E2eRun[] = [];
    for (let i = 1; i <= args.runs; i++) {
      process.stderr.write(
        `[${((Date.now() - started) / 1000).toFixed(0)}s] run ${i}/${args.runs}\n`,
      );
      runs.push(await oneRun(i, env.kubeconfig));
    }
    const summary = summarizeE2e(runs);
    const figures = {
      cluster: env.cluster,
      clusterReadySeconds: Math.round(env.clusterReadySeconds * 10) / 10,
      runs: args.runs,
      steps: summary.steps.map((s) => ({ ...s, label: STEP_LABELS[s.step] })),
      goals: E2E_GOALS,
      verdicts: summary.verdicts,
      held: summary.held,
      results: runs,
    };
    fs.mkdirSync(args.outDir, { recursive: true });
    fs.writeFileSync(path.join(args.outDir, "e2e.json"), `${JSON.stringify(figures, null, 2)}\n`);
    fs.writeFileSync(
      path.join(args.outDir, "e2e.svg"),
      stepsSvg(summary, `pulumi on the real engine, ${env.cluster} cluster, ${args.runs} run(s)`),
    );
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    for (const v of summary.verdicts) {
      process.stderr.write(
        `${v.held ? "held" : "MISSED"}: ${v.goal} ${v.value} (goal ≤ ${v.limit})\n`,
      );
    }
    return summary.held ? ExitCode.ok : ExitCode.drillFailed;
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
