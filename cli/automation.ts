/**
 * `npm run automation -- <command> [options]`: the Automation API driver's command line. The
 * command in one file: its flags, help, parser (pure, tested directly), run and exit codes,
 * over the shared shell (lib/cli).
 *
 * The run checks the environment (Pulumi CLI, passphrase), builds the real ports
 * (lib/automation/io/localWorkspace.ts), runs the command's workflow (lib/automation/workflows/),
 * prints and writes its summary, and exits with its code. Errors are mapped to exit codes by
 * `exitCodeFor` (instanceof checks on the Automation API's and the driver's error classes);
 * nothing that failed exits 0.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import {
  COMMANDS,
  Command,
  DRIVER_COMMANDS,
  isCommand,
  runCommand,
} from "../lib/automation/driverCommands";
import { checkPassphrase, findPulumiCli, resolveBackend } from "../lib/automation/preflight";
import { exitCodeFor } from "../lib/automation/failures";
import { nodeFileProbe, realPorts } from "../lib/automation/io/localWorkspace";
import type { ConfigOverride } from "../lib/automation/driverPorts";
import { formatElapsed } from "../lib/automation/progress";
import { DriverOptions, MAX_STACK_NAME, RunReport } from "../lib/automation/run";
import { REGION_CONFIG_KEY } from "../lib/automation/stackConfig";
import { DEFAULT_EPHEMERAL_PREFIX } from "../lib/automation/workflows/ephemeralWorkflow";
import {
  CliProgram,
  COMMAND_LINES,
  ExitCode,
  ExitCodeValue,
  HELP,
  InterruptContext,
  UsageError,
  exitCodeHelp,
  mainOf,
  parseFlags,
} from "../lib/cli";
import { SCENARIOS, isScenarioName } from "../lib/drill/scenarios";
import { isStackTag } from "../lib/tags";

/**
 * Where secret values come from. Never the command line: npm echoes a script's arguments into
 * the log, and `ps` shows them to every user of the machine.
 */
export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file's text; throws when it cannot be read. */
  readFile(file: string): string;
}

/** The result of parsing: run a command, or print help. */
export type ParsedCommandLine =
  { readonly kind: "help" } | { readonly kind: "run"; readonly options: DriverOptions };

/** The commands' lines of the help text, from the driver's command table. */
function commandHelp(): string {
  return COMMANDS.flatMap((name) =>
    DRIVER_COMMANDS[name].summary.map((line, i) =>
      `  ${(i === 0 ? name : "").padEnd(11)} ${line}`.trimEnd(),
    ),
  ).join("\n");
}

export const USAGE = `Usage: npm run automation -- <command> [options]

Drives this Pulumi project with the Automation API (LocalWorkspace over the project directory).

Commands:
${commandHelp()}

Options:
  -s, --stack <name>            stack name (ephemeral: name prefix, default "${DEFAULT_EPHEMERAL_PREFIX}")
      --region <region>         set ${REGION_CONFIG_KEY}
  -c, --config <key=value>      set a stack config value (repeatable)
      --secret-file <key=path>  set a secret config value from a file's content (repeatable)
      --secret-env <key=VAR>    set a secret config value from an environment variable (repeatable)
      --json <file>             write a JSON summary of the run (secrets redacted)
      --secrets-provider <url>  secrets provider for new stacks (default "passphrase")
      --run-id <id>             ephemeral: use <prefix>-<id> as the stack name
      --scenario <name>         drill scenario to run (repeatable; default: all)
      --skip-drill              ephemeral: do not run the drill
      --stack-tag <value>       audit: audit this tag value without reading a stack
      --remove                  destroy: remove the stack after a clean destroy and audit
      --show-secrets            outputs: print secret values
      --raw                     stream Pulumi's own output instead of per-resource lines
  -h, --help                    show this help

Environment:
  PULUMI_BACKEND_URL            state backend (default: file://<project>/.pulumi-state)
  PULUMI_CONFIG_PASSPHRASE      passphrase of the passphrase secrets provider
  PULUMI_CONFIG_PASSPHRASE_FILE   ... or a file holding it

${exitCodeHelp(COMMAND_LINES.automation.exitCodes)}
`;

/** For callers that pass no secrets: every secret flag is refused as unreadable. */
const NO_SECRET_SOURCES: SecretSources = {
  env: {},
  readFile(file) {
    throw new Error(`no file access: ${file}`);
  },
};

/** Pulumi's stack name rule, optionally qualified as `org/project/stack`. */
const STACK_NAME = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;
const CONFIG_KEY = /^([A-Za-z0-9_-]+:)?[A-Za-z0-9_.-]+$/;
const RUN_ID = /^[A-Za-z0-9_.-]+$/;

function splitKeyValue(
  flag: string,
  text: string,
  problems: string[],
): { key: string; value: string } | undefined {
  const eq = text.indexOf("=");
  if (eq <= 0) {
    problems.push(`${flag} "${text}": expected key=value`);
    return undefined;
  }
  const key = text.slice(0, eq);
  if (!CONFIG_KEY.test(key)) {
    problems.push(`${flag} "${key}": a config key is [namespace:]name (letters, digits, _ . -)`);
    return undefined;
  }
  return { key, value: text.slice(eq + 1) };
}

/** A secret from `--secret-file key=path`: the file's text, less one trailing newline. */
function secretFromFile(
  text: string,
  sources: SecretSources,
  problems: string[],
): ConfigOverride | undefined {
  const pair = splitKeyValue("--secret-file", text, problems);
  if (pair === undefined) return undefined;
  let content: string;
  try {
    content = sources.readFile(pair.value);
  } catch {
    problems.push(`--secret-file ${pair.key}: cannot read the file "${pair.value}"`);
    return undefined;
  }
  const value = content.replace(/\r?\n$/, "");
  if (value === "") {
    problems.push(`--secret-file ${pair.key}: the file "${pair.value}" is empty`);
    return undefined;
  }
  return { key: pair.key, value, secret: true };
}

/** A secret from `--secret-env key=VAR`: the variable's value. */
function secretFromEnv(
  text: string,
  sources: SecretSources,
  problems: string[],
): ConfigOverride | undefined {
  const pair = splitKeyValue("--secret-env", text, problems);
  if (pair === undefined) return undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair.value)) {
    problems.push(`--secret-env ${pair.key}: "${pair.value}" is not an environment variable name`);
    return undefined;
  }
  const value = sources.env[pair.value];
  if (value === undefined || value === "") {
    problems.push(`--secret-env ${pair.key}: the environment variable ${pair.value} is not set`);
    return undefined;
  }
  return { key: pair.key, value, secret: true };
}

const DRIVER_FLAGS = {
  stack: { type: "string", short: "s" },
  region: { type: "string" },
  config: { type: "string", short: "c", multiple: true },
  // Declared only to refuse it with a reason: a secret on the command line leaks.
  secret: { type: "string", multiple: true },
  "secret-file": { type: "string", multiple: true },
  "secret-env": { type: "string", multiple: true },
  json: { type: "string" },
  "secrets-provider": { type: "string" },
  "run-id": { type: "string" },
  scenario: { type: "string", multiple: true },
  "skip-drill": { type: "boolean" },
  "stack-tag": { type: "string" },
  remove: { type: "boolean" },
  "show-secrets": { type: "boolean" },
  raw: { type: "boolean" },
} as const;

/**
 * Parses the arguments after `npm run automation --`. Throws one UsageError listing every
 * problem.
 */
export function parseCommandLine(
  argv: readonly string[],
  sources: SecretSources = NO_SECRET_SOURCES,
): ParsedCommandLine {
  const flags = parseFlags(argv, DRIVER_FLAGS, { positionals: true });
  if (flags.help) return { kind: "help" };
  const values = {
    stack: flags.value("stack"),
    region: flags.value("region"),
    config: flags.values("config"),
    secret: flags.values("secret"),
    "secret-file": flags.values("secret-file"),
    "secret-env": flags.values("secret-env"),
    json: flags.value("json"),
    "secrets-provider": flags.value("secrets-provider"),
    "run-id": flags.value("run-id"),
    scenario: flags.values("scenario"),
    "skip-drill": flags.has("skip-drill"),
    "stack-tag": flags.value("stack-tag"),
    remove: flags.has("remove"),
    "show-secrets": flags.has("show-secrets"),
    raw: flags.has("raw"),
  };
  const positionals = flags.positionals;
  const problems = [...flags.problemList()];
  const [commandText, ...extra] = positionals;
  if (commandText === undefined) {
    problems.push(`a command is required: one of ${COMMANDS.join(", ")}`);
  } else if (!isCommand(commandText)) {
    problems.push(`unknown command "${commandText}": expected one of ${COMMANDS.join(", ")}`);
  }
  if (extra.length > 0) problems.push(`unexpected arguments: ${extra.join(" ")}`);

  const stack = values.stack;
  if (stack !== undefined && (!STACK_NAME.test(stack) || stack.length > MAX_STACK_NAME)) {
    problems.push(
      `--stack "${stack}": a stack name is letters, digits, _ . - (at most ${MAX_STACK_NAME}), ` +
        "optionally as org/project/stack",
    );
  }
  const region = values.region;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push(`--region "${region}": expected an AWS region such as ap-northeast-2`);
  }
  const runId = values["run-id"];
  if (runId !== undefined && !RUN_ID.test(runId)) {
    problems.push(`--run-id "${runId}": letters, digits, _ . - only`);
  }
  // Checked before anything is deployed: a typo must not cost a whole `up` first.
  for (const scenario of values.scenario ?? []) {
    if (!isScenarioName(scenario)) {
      problems.push(`--scenario "${scenario}": use one of ${SCENARIOS.join(", ")}`);
    }
  }
  const stackTag = values["stack-tag"];
  if (stackTag !== undefined && !isStackTag(stackTag)) {
    problems.push(
      `--stack-tag "${stackTag}": expected <org>/<project>/<stack>/<id> (the stackTag output) or a legacy <org>/<project>/<stack>`,
    );
  }
  const secretsProvider = values["secrets-provider"] ?? "passphrase";
  if (secretsProvider === "") problems.push("--secrets-provider must not be empty");

  const config: ConfigOverride[] = [];
  if (region !== undefined) config.push({ key: REGION_CONFIG_KEY, value: region, secret: false });
  for (const text of values.config ?? []) {
    const pair = splitKeyValue("--config", text, problems);
    if (pair !== undefined) config.push({ ...pair, secret: false });
  }
  if ((values.secret ?? []).length > 0) {
    problems.push(
      "--secret: a secret on the command line ends up in logs (npm echoes it) and in `ps`; " +
        "use --secret-file <key=path> or --secret-env <key=VAR>",
    );
  }
  for (const text of values["secret-file"] ?? []) {
    const item = secretFromFile(text, sources, problems);
    if (item !== undefined) config.push(item);
  }
  for (const text of values["secret-env"] ?? []) {
    const item = secretFromEnv(text, sources, problems);
    if (item !== undefined) config.push(item);
  }
  const seen = new Set<string>();
  for (const { key } of config) {
    if (seen.has(key)) problems.push(`config key "${key}" is set more than once`);
    seen.add(key);
  }

  const command = commandText !== undefined && isCommand(commandText) ? commandText : undefined;
  if (command !== undefined) {
    const needsStack = command !== "ephemeral" && !(command === "audit" && values["stack-tag"]);
    if (needsStack && stack === undefined) {
      problems.push(
        command === "audit"
          ? "audit needs --stack <name> or --stack-tag <value>"
          : `${command} needs --stack <name>`,
      );
    }
    const only = (flag: string, given: boolean, allowed: readonly Command[]): void => {
      if (given && !allowed.includes(command)) {
        problems.push(`${flag} applies only to: ${allowed.join(", ")}`);
      }
    };
    only("--run-id", runId !== undefined, ["ephemeral"]);
    only("--skip-drill", values["skip-drill"] === true, ["ephemeral"]);
    only("--scenario", (values.scenario ?? []).length > 0, ["drill", "ephemeral"]);
    only("--stack-tag", values["stack-tag"] !== undefined, ["audit"]);
    only("--remove", values.remove === true, ["destroy"]);
    only("--show-secrets", values["show-secrets"] === true, ["outputs"]);
    // Config only matters where the program runs; elsewhere it would silently do nothing.
    const configFlags =
      (values.config ?? []).length +
      (values["secret-file"] ?? []).length +
      (values["secret-env"] ?? []).length;
    only("--config/--secret-file/--secret-env", configFlags > 0, [
      "preview",
      "up",
      "destroy",
      "ephemeral",
    ]);
  }
  if (problems.length > 0 || command === undefined) {
    throw new UsageError(problems.join("\n"));
  }
  return {
    kind: "run",
    options: {
      command,
      stack,
      region,
      config,
      jsonFile: values.json,
      secretsProvider,
      runId,
      scenarios: values.scenario ?? [],
      skipDrill: values["skip-drill"] === true,
      stackTag: values["stack-tag"],
      remove: values.remove === true,
      showSecrets: values["show-secrets"] === true,
      raw: values.raw === true,
    },
  };
}

/** The Pulumi project this driver runs: the repository root, one level above cli/. */
const PROJECT_DIR = path.resolve(__dirname, "..");

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function writeSummary(file: string | undefined, report: RunReport): void {
  if (file === undefined) return;
  // Secrets never reach the report: outputs are redacted and check details carry none.
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`summary written to ${file}`);
}

function printReport(report: RunReport): void {
  log("");
  log(`${report.command}${report.stack !== undefined ? ` ${report.stack}` : ""}: summary`);
  for (const step of report.steps) {
    const status = step.status === "failed" ? `FAILED (exit code ${step.exitCode})` : step.status;
    const reason =
      step.status === "skipped" && step.message !== undefined ? `: ${step.message}` : "";
    log(`  ${step.step.padEnd(9)} ${status} ${formatElapsed(step.durationSeconds)}${reason}`);
  }
  for (const leftover of report.leftovers ?? []) log(`  leftover: ${leftover}`);
  log(`exit code ${report.exitCode} after ${formatElapsed(report.durationSeconds)}`);
}

/** A summary for a run that stopped before any step (preflight), so CI still gets its file. */
function preflightReport(
  options: DriverOptions,
  exitCode: ExitCodeValue,
  message: string,
): RunReport {
  return {
    command: options.command,
    stack: options.stack,
    startedAt: new Date().toISOString(),
    durationSeconds: 0,
    exitCode,
    steps: [],
    notes: [message],
  };
}

/** Whether the command touches a stack (and so needs the Pulumi CLI and the passphrase). */
function needsStack(options: DriverOptions): boolean {
  return !(options.command === "audit" && options.stackTag !== undefined);
}

async function run(options: DriverOptions, interrupt: InterruptContext): Promise<ExitCodeValue> {
  if (needsStack(options)) {
    try {
      // Before any LocalWorkspace call: without the CLI they fail with a bare spawn ENOENT.
      findPulumiCli(process.env, nodeFileProbe);
      checkPassphrase(process.env, options.secretsProvider, nodeFileProbe);
    } catch (error) {
      const code = exitCodeFor(error);
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${message}\n`);
      writeSummary(options.jsonFile, preflightReport(options, code, message));
      return code;
    }
  }
  const backend = resolveBackend(process.env, PROJECT_DIR);
  log(
    `backend: ${backend.url}${backend.local ? " (local; set PULUMI_BACKEND_URL to change)" : ""}`,
  );

  const ports = realPorts({
    projectDir: PROJECT_DIR,
    backend,
    secretsProvider: options.secretsProvider,
    signal: interrupt.signal,
    log,
    interrupted: interrupt.interrupted,
  });
  const report = await runCommand(ports, options);
  printReport(report);
  writeSummary(options.jsonFile, report);
  return report.exitCode;
}

/** The command on the shell. */
export const automationProgram: CliProgram<DriverOptions> = {
  name: "automation",
  help: USAGE,
  failure: ExitCode.internal,
  parse: (argv) => {
    const parsed = parseCommandLine(argv, {
      env: process.env,
      readFile: (file) => fs.readFileSync(file, "utf8"),
    });
    return parsed.kind === "help" ? HELP : parsed.options;
  },
  run,
  // First interrupt (Ctrl-C, CI cancel): stop the running preview/up; `ephemeral` still
  // destroys. A second one exits at once, leaving cleanup to `destroy`.
  gracefulStop: {
    first:
      "interrupted: cancelling the current operation; cleanup still runs (Ctrl-C again to quit)",
    second: "interrupted twice: exiting without cleanup; run `destroy` later",
  },
  // Only bugs get here: every expected failure is a step in the report.
  exitCodeFor: (error) => exitCodeFor(error),
};

if (require.main === module) mainOf(automationProgram);
