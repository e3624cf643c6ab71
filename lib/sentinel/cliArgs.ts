/**
 * Flag parsing for `cli/verify.ts` and `cli/drill.ts`, kept here so the CLIs stay thin and the
 * parsing is tested directly. Every problem is collected and reported at once.
 */
import * as fs from "node:fs";
import { errorMessage } from "./clients";
import type { DeploymentTarget } from "./cluster";
import { missingBinaries, missingBinariesMessage } from "./localTopology";
import { splitAddressKey } from "./natMap";
import { Endpoint, KubernetesClientUnavailableError, RedisUnreachableError } from "./types";

/** Exit codes shared by both CLIs. A failure never exits 0. */
export const EXIT = {
  ok: 0,
  /** A check or scenario failed. */
  failed: 1,
  /** Bad flags or inputs. */
  usage: 2,
  /** The environment lacks something (redis binaries, a loadable Kubernetes client). */
  environment: 3,
  /** Nothing answers at the target's Redis/Sentinel addresses (`RedisUnreachableError`). */
  unreachable: 4,
} as const;

export interface SentinelCliOptions {
  readonly help: boolean;
  readonly json: boolean;
  /** Run against a fresh local topology of real processes. */
  readonly local: boolean;
  /** Local topology with the chart's default tuning instead of ours. */
  readonly chartDefaults: boolean;
  readonly sentinels: readonly Endpoint[];
  readonly masterSet: string | undefined;
  readonly password: string | undefined;
  /** `pulumi stack output --json --show-secrets` saved to a file: cluster mode. */
  readonly outputsFile: string | undefined;
  /** kubeconfig file that replaces the stack's `kubeconfig` output. */
  readonly kubeconfigFile: string | undefined;
  readonly nodes: number | undefined;
  readonly scenarios: readonly string[] | undefined;
  /** Where the drill writes its timeline SVG. */
  readonly svgPath: string | undefined;
}

/** Thrown for bad flags; the message has one line per problem. */
export class UsageError extends Error {}

const VALUE_FLAGS = [
  "--sentinel",
  "--master-set",
  "--password",
  "--outputs",
  "--kubeconfig",
  "--nodes",
  "--scenarios",
  "--svg",
] as const;
const BOOLEAN_FLAGS = ["--help", "-h", "--json", "--local", "--chart-defaults"] as const;

/** Parses argv (without node and script); `--flag value` and `--flag=value` both work. */
export function parseSentinelCliArgs(argv: readonly string[]): SentinelCliOptions {
  const problems: string[] = [];
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if ((BOOLEAN_FLAGS as readonly string[]).includes(flag) && eq < 0) {
      booleans.add(flag === "-h" ? "--help" : flag);
    } else if ((VALUE_FLAGS as readonly string[]).includes(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") {
        problems.push(`${flag}: needs a value`);
      } else {
        values.set(flag, [...(values.get(flag) ?? []), value]);
      }
    } else {
      problems.push(`${arg}: unknown flag; use --help to list the flags`);
    }
  }
  const single = (flag: string): string | undefined => {
    const all = values.get(flag);
    if (all && all.length > 1) {
      problems.push(`${flag}: given ${all.length} times; give it once`);
    }
    return all?.[all.length - 1];
  };
  const sentinels: Endpoint[] = [];
  for (const value of (values.get("--sentinel") ?? []).flatMap((v) => v.split(","))) {
    const address = splitAddressKey(value.trim());
    if (address) {
      sentinels.push(address);
    } else {
      problems.push(`--sentinel: "${value}" is not host:port`);
    }
  }
  const nodesText = single("--nodes");
  const nodes = nodesText === undefined ? undefined : Number(nodesText);
  if (nodes !== undefined && (!Number.isInteger(nodes) || nodes < 2)) {
    problems.push(`--nodes: "${nodesText}" is not allowed; use an integer of at least 2`);
  }
  const scenariosText = single("--scenarios");
  const options: SentinelCliOptions = {
    help: booleans.has("--help"),
    json: booleans.has("--json"),
    local: booleans.has("--local"),
    chartDefaults: booleans.has("--chart-defaults"),
    sentinels,
    masterSet: single("--master-set"),
    password: single("--password"),
    outputsFile: single("--outputs"),
    kubeconfigFile: single("--kubeconfig"),
    nodes,
    scenarios: scenariosText
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    svgPath: single("--svg"),
  };
  const modes = [options.local, options.outputsFile !== undefined, sentinels.length > 0].filter(
    Boolean,
  );
  if (!options.help && modes.length > 1) {
    problems.push("choose one target: --local, --outputs <file>, or --sentinel host:port");
  }
  if (options.chartDefaults && !options.local) {
    problems.push("--chart-defaults: only applies to --local");
  }
  if (problems.length > 0) {
    throw new UsageError(problems.join("\n"));
  }
  return options;
}

/**
 * The deployment target from saved stack outputs (`pulumi stack output --json --show-secrets`),
 * with an optional kubeconfig file's content replacing the `kubeconfig` output.
 */
export function targetFromOutputs(
  outputs: unknown,
  kubeconfigOverride: string | undefined,
  nodes: number | undefined,
): DeploymentTarget {
  const record = (outputs ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const text = (key: string, override?: string): string => {
    const value = override ?? record[key];
    if (typeof value === "string" && value !== "" && value !== "[secret]") {
      return value;
    }
    // `pulumi stack output --json` without --show-secrets prints "[secret]".
    problems.push(
      value === "[secret]"
        ? `${key}: is "[secret]"; save the outputs with --show-secrets`
        : `${key}: missing from the stack outputs (expected a non-empty string)`,
    );
    return "";
  };
  const kubeconfigValue =
    typeof record.kubeconfig === "object" && record.kubeconfig !== null
      ? JSON.stringify(record.kubeconfig)
      : undefined;
  const target: DeploymentTarget = {
    kubeconfig: text("kubeconfig", kubeconfigOverride ?? kubeconfigValue),
    namespace: text("redisNamespace"),
    releaseName: text("redisReleaseName"),
    masterSet: text("redisMasterSet"),
    password: text("redisPassword"),
    nodes,
  };
  if (problems.length > 0) {
    throw new UsageError(problems.join("\n"));
  }
  return target;
}

/** The deployment target of `--outputs <file>` (and `--kubeconfig <file>`), read from disk. */
export function targetFromFiles(
  options: SentinelCliOptions & { outputsFile: string },
): DeploymentTarget {
  const outputs: unknown = JSON.parse(fs.readFileSync(options.outputsFile, "utf8"));
  const kubeconfig =
    options.kubeconfigFile === undefined
      ? undefined
      : fs.readFileSync(options.kubeconfigFile, "utf8");
  return targetFromOutputs(outputs, kubeconfig, options.nodes);
}

/** What a Sentinel CLI needs from its command: help text, extra checks, and the work itself. */
export interface SentinelCliCommand {
  /** Prefix of error lines, e.g. "verify". */
  readonly name: string;
  readonly help: string;
  /** Checks beyond the shared flag parsing; throws a `UsageError`. */
  readonly validate?: (options: SentinelCliOptions) => void;
  /**
   * Runs the command; `output` goes to stdout, `console` (when given) to stderr, so that a
   * person sees it even when stdout is JSON for a program.
   */
  readonly run: (
    options: SentinelCliOptions,
  ) => Promise<{ ok: boolean; output: string; console?: string }>;
}

/**
 * The shell both Sentinel CLIs share: parse flags, print help, check the local prerequisites,
 * run, and map the outcome to an exit code (0 ok, 1 failed, 2 usage, 3 environment,
 * 4 unreachable).
 */
export async function runSentinelCli(
  command: SentinelCliCommand,
  argv: readonly string[],
): Promise<number> {
  let options: SentinelCliOptions;
  try {
    options = parseSentinelCliArgs(argv);
    command.validate?.(options);
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n`);
    return EXIT.usage;
  }
  if (options.help) {
    process.stdout.write(command.help);
    return EXIT.ok;
  }
  const missing = options.local ? missingBinaries() : [];
  if (missing.length > 0) {
    process.stderr.write(`${missingBinariesMessage(missing)}\n`);
    return EXIT.environment;
  }
  try {
    const { ok, output, console } = await command.run(options);
    process.stdout.write(`${output}\n`);
    if (console !== undefined && console !== "") {
      process.stderr.write(`${console}\n`);
    }
    return ok ? EXIT.ok : EXIT.failed;
  } catch (error) {
    process.stderr.write(`${command.name}: ${errorMessage(error)}\n`);
    if (error instanceof UsageError || error instanceof SyntaxError) return EXIT.usage;
    if (error instanceof KubernetesClientUnavailableError) return EXIT.environment;
    if (error instanceof RedisUnreachableError) return EXIT.unreachable;
    return EXIT.failed;
  }
}

/** Runs a Sentinel CLI as the process's main module: exits with its code, never 0 on failure. */
export function mainOf(command: SentinelCliCommand): void {
  runSentinelCli(command, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${command.name}: ${errorMessage(error)}\n`);
      process.exit(EXIT.failed);
    },
  );
}
