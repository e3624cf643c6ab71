/**
 * The flags of `cli/verify.ts` and `cli/drill.ts` and the way from `--outputs <file>` to a
 * deployment, kept here so the CLIs stay thin and the parsing is tested directly. Parsing,
 * usage errors and exit codes are the shared shell's (lib/cli); every problem is reported at once.
 */
import {
  CliProgram,
  ExitCode,
  ExitCodeValue,
  HELP,
  ToolMissingError,
  UsageError,
  parseFlags,
  readInputFile,
  readJsonInputFile,
} from "../cli";
import { DeploymentTarget, deploymentTarget, parseStackOutputs } from "../contract";
import { missingBinaries, missingBinariesMessage } from "../topology/io/localTopology";
import { splitAddressKey } from "../topology/natMap";
import { SCENARIOS, ScenarioName } from "../drill/scenarios";
import { Endpoint } from "./ports";

/** Which CLI: their flags differ (the drill injects faults, so it needs more than addresses). */
export type SentinelCommand = "verify" | "drill";

export interface SentinelCliOptions {
  readonly json: boolean;
  /** Run against a fresh local topology of real processes. */
  readonly local: boolean;
  /** Local topology with the chart's default tuning instead of ours. */
  readonly chartDefaults: boolean;
  readonly sentinels: readonly Endpoint[];
  readonly masterSet: string | undefined;
  readonly password: string | undefined;
  /** The ACL user of `--sentinel` ($REDIS_USERNAME, e.g. operator); absent: `default`. */
  readonly username: string | undefined;
  /** `pulumi stack output --json --show-secrets` saved to a file: cluster mode. */
  readonly outputsFile: string | undefined;
  /** kubeconfig file that replaces the stack's `kubeconfig` output. */
  readonly kubeconfigFile: string | undefined;
  /** `--sentinel` targets: Redis nodes expected (replicas + 1). */
  readonly nodes: number | undefined;
  readonly scenarios: readonly ScenarioName[] | undefined;
  /** Where the drill writes its timeline SVG. */
  readonly svgPath: string | undefined;
  /** `--cpu-load`: keep the machine's other cores busy during the drill. */
  readonly cpuLoad: boolean;
}

const VERIFY_FLAGS = {
  sentinel: { type: "string", multiple: true },
  "master-set": { type: "string" },
  password: { type: "string" },
  outputs: { type: "string" },
  kubeconfig: { type: "string" },
  nodes: { type: "string" },
  local: { type: "boolean" },
  json: { type: "boolean" },
} as const;

const DRILL_FLAGS = {
  outputs: { type: "string" },
  kubeconfig: { type: "string" },
  local: { type: "boolean" },
  "chart-defaults": { type: "boolean" },
  scenarios: { type: "string", multiple: true },
  svg: { type: "string" },
  "cpu-load": { type: "boolean" },
  json: { type: "boolean" },
} as const;

/**
 * Parses argv (without node and script) for verify or drill; `--flag value` and `--flag=value`
 * both work. Throws one UsageError listing every problem, or returns HELP for `--help`/`-h`.
 */
export function parseSentinelCliArgs(
  command: SentinelCommand,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): SentinelCliOptions | typeof HELP {
  if (command === "drill") {
    const flags = parseFlags(argv, DRILL_FLAGS);
    if (flags.help) return HELP;
    const options: SentinelCliOptions = {
      json: flags.has("json"),
      local: flags.has("local"),
      chartDefaults: flags.has("chart-defaults"),
      sentinels: [],
      masterSet: undefined,
      password: undefined,
      username: undefined,
      outputsFile: flags.value("outputs"),
      kubeconfigFile: flags.value("kubeconfig"),
      nodes: undefined,
      // Checked before anything starts: a typo must not cost a drill's worth of waiting first.
      scenarios: flags.oneOf("scenarios", SCENARIOS),
      svgPath: flags.value("svg"),
      cpuLoad: flags.has("cpu-load"),
    };
    checkTarget(options, flags.problem.bind(flags), "--local or --outputs <file>");
    if (options.chartDefaults && !options.local)
      flags.problem("--chart-defaults: only applies to --local");
    flags.finish();
    return options;
  }
  const flags = parseFlags(argv, VERIFY_FLAGS);
  if (flags.help) return HELP;
  const sentinels: Endpoint[] = [];
  for (const value of flags.list("sentinel") ?? []) {
    const address = splitAddressKey(value);
    if (address) sentinels.push(address);
    else flags.problem(`--sentinel: "${value}" is not host:port`);
  }
  const options: SentinelCliOptions = {
    json: flags.has("json"),
    local: flags.has("local"),
    chartDefaults: false,
    sentinels,
    masterSet: flags.value("master-set"),
    // Only from the environment: on the command line a password shows in `ps`, shell history
    // and npm's echo of the script's arguments.
    password: env.REDIS_PASSWORD === "" ? undefined : env.REDIS_PASSWORD,
    username: env.REDIS_USERNAME === "" ? undefined : env.REDIS_USERNAME,
    outputsFile: flags.value("outputs"),
    kubeconfigFile: flags.value("kubeconfig"),
    nodes: flags.integer("nodes", 2),
    scenarios: undefined,
    svgPath: undefined,
    cpuLoad: false,
  };
  checkTarget(
    options,
    flags.problem.bind(flags),
    "--local, --outputs <file>, or --sentinel host:port",
  );
  const bySentinel = sentinels.length > 0 || flags.value("sentinel") !== undefined;
  if (flags.value("password") !== undefined) {
    flags.problem(
      "--password: a password on the command line shows in `ps` and logs; set REDIS_PASSWORD instead",
    );
  }
  if (bySentinel && options.password === undefined) {
    flags.problem("--sentinel: needs the password in $REDIS_PASSWORD");
  }
  for (const flag of ["master-set", "nodes"] as const) {
    if (flags.value(flag) !== undefined && !bySentinel) {
      flags.problem(`--${flag}: only applies to --sentinel`);
    }
  }
  flags.finish();
  return options;
}

/** Exactly one target; `--kubeconfig` only beside `--outputs`. */
function checkTarget(
  options: SentinelCliOptions,
  problem: (message: string) => void,
  targets: string,
): void {
  const given = [options.local, options.outputsFile !== undefined, options.sentinels.length > 0];
  const count = given.filter(Boolean).length;
  if (count === 0) problem(`give a target: ${targets}`);
  if (count > 1) problem(`choose one target: ${targets}`);
  if (options.kubeconfigFile !== undefined && options.outputsFile === undefined) {
    problem("--kubeconfig: only applies to --outputs");
  }
}

/**
 * The deployment target from saved stack outputs (`pulumi stack output --json --show-secrets`),
 * through the contract (lib/contract.ts: masked `[secret]` values are refused there), with an
 * optional kubeconfig file's content replacing the `kubeconfig` output.
 */
export function targetFromOutputs(
  outputs: unknown,
  kubeconfigOverride: string | undefined,
  source = "--outputs",
): DeploymentTarget {
  if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
    throw new UsageError(
      `${source}: expected the JSON object of \`pulumi stack output --json --show-secrets\``,
    );
  }
  const raw: Record<string, unknown> =
    kubeconfigOverride === undefined
      ? { ...outputs }
      : { ...outputs, kubeconfig: kubeconfigOverride };
  return deploymentTarget(parseStackOutputs(source, raw));
}

/** The deployment target of `--outputs <file>` (and `--kubeconfig <file>`), read from disk. */
export function targetFromFiles(outputsFile: string, kubeconfigFile?: string): DeploymentTarget {
  const outputs = readJsonInputFile("--outputs", outputsFile);
  const kubeconfig =
    kubeconfigFile === undefined ? undefined : readInputFile("--kubeconfig", kubeconfigFile);
  return targetFromOutputs(outputs, kubeconfig, outputsFile);
}

/** What a Sentinel CLI does once its flags are parsed. */
export interface SentinelCliCommand {
  readonly name: SentinelCommand;
  readonly help: string;
  /**
   * Runs the command; `output` goes to stdout, `console` (when given) to stderr, so that a
   * person sees it even when stdout is JSON for a program.
   */
  readonly run: (
    options: SentinelCliOptions,
  ) => Promise<{ ok: boolean; output: string; console?: string }>;
}

/** The exit code of a failed verify or drill (the driver's steps use the same ones). */
export const SENTINEL_FAILED: Readonly<Record<SentinelCommand, ExitCodeValue>> = {
  verify: ExitCode.verifyFailed,
  drill: ExitCode.drillFailed,
};

/**
 * A Sentinel CLI as a program of the shared shell: parse, check the local prerequisites, run,
 * print; a failed check exits with the command's code (verify 12, drill 13).
 */
export function sentinelProgram(
  command: SentinelCliCommand,
  env: Readonly<Record<string, string | undefined>> = process.env,
): CliProgram<SentinelCliOptions> {
  const failed = SENTINEL_FAILED[command.name];
  return {
    name: command.name,
    help: command.help,
    failure: failed,
    parse: (argv) => parseSentinelCliArgs(command.name, argv, env),
    run: async (options) => {
      const missing = options.local ? missingBinaries() : [];
      if (missing.length > 0) throw new ToolMissingError(missingBinariesMessage(missing));
      const { ok, output, console } = await command.run(options);
      process.stdout.write(`${output}\n`);
      if (console !== undefined && console !== "") process.stderr.write(`${console}\n`);
      return ok ? ExitCode.ok : failed;
    },
  };
}
