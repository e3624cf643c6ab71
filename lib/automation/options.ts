/**
 * The driver's command line: a pure parser from argv to typed options, and the help text. All
 * validation errors are collected and thrown once as a UsageError (exit code 2).
 */
import { ExitCodeName, ExitCode, UsageError, exitCodeHelp, parseFlags } from "../cli";
import { SCENARIOS, isScenarioName } from "../drill/scenarios";
import { isStackTag } from "../tags";

export const COMMANDS = [
  "preview",
  "up",
  "outputs",
  "verify",
  "drill",
  "destroy",
  "audit",
  "ephemeral",
] as const;
export type Command = (typeof COMMANDS)[number];

/** The config key `--region` sets: the program's region (config.ts reads it first). */
export const REGION_CONFIG_KEY = "andyredis:region";

/** The program's fallback when `andyredis:region` is not set. */
export const AWS_REGION_CONFIG_KEY = "aws:region";

/** `aws` or `clusterOnly`: a clusterOnly stack has no AWS resource to audit. */
export const MODE_CONFIG_KEY = "andyredis:mode";

/** What destroy does with the Redis volumes; the audit expects what it keeps. */
export const VOLUME_CLEANUP_MODE_CONFIG_KEY = "andyredis:volumeCleanupMode";

/** The prefix of `ephemeral` stack names when `--stack` is not given. */
export const DEFAULT_EPHEMERAL_PREFIX = "ephemeral";

/** One stack config value to set before the program runs. */
export interface ConfigOverride {
  readonly key: string;
  readonly value: string;
  /** Stored encrypted by the stack's secrets provider (`--secret-file`, `--secret-env`). */
  readonly secret: boolean;
}

/**
 * Where secret values come from. Never the command line: npm echoes a script's arguments into
 * the log, and `ps` shows them to every user of the machine.
 */
export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file's text; throws when it cannot be read. */
  readFile(file: string): string;
}

export interface DriverOptions {
  readonly command: Command;
  /** The stack; for `ephemeral`, the prefix of the unique name. */
  readonly stack?: string;
  readonly region?: string;
  /** `--region` first (as `andyredis:region`), then `--config` and `--secret` in command-line order. */
  readonly config: readonly ConfigOverride[];
  /** Where to write the JSON summary for CI. */
  readonly jsonFile?: string;
  /** `passphrase` unless given (e.g. `awskms://...`). */
  readonly secretsProvider: string;
  /** `ephemeral`: the unique suffix (e.g. a CI run id) instead of time and randomness. */
  readonly runId?: string;
  /** Drill scenarios to run; empty means the drill's default set. */
  readonly scenarios: readonly string[];
  readonly skipDrill: boolean;
  /** `audit`: the tag value to audit, without reading a stack. */
  readonly stackTag?: string;
  /** `destroy`: remove the stack (and its config file) after a clean destroy and audit. */
  readonly remove: boolean;
  /** `outputs`: print secret values. */
  readonly showSecrets: boolean;
  /** Stream the Pulumi CLI's own text instead of one line per resource. */
  readonly raw: boolean;
}

/** The result of parsing: run a command, or print help. */
export type ParsedCommandLine =
  { readonly kind: "help" } | { readonly kind: "run"; readonly options: DriverOptions };

/** Every code but the audit CLI's own "no match": the driver audits destroyed stacks. */
const DRIVER_EXIT_CODES = (Object.keys(ExitCode) as ExitCodeName[]).filter(
  (name) => name !== "auditNoMatch",
);

export const USAGE = `Usage: npm run automation -- <command> [options]

Drives this Pulumi project with the Automation API (LocalWorkspace over the project directory).

Commands:
  preview     show what \`up\` would change
  up          create or update the stack, then check its outputs against the contract
  outputs     print the stack outputs (secrets masked unless --show-secrets)
  verify      check the running Redis/Sentinel deployment of the stack
  drill       run failover drills against the stack's deployment
  destroy     destroy the stack (running the program), then audit for leftovers
  audit       look for AWS resources still tagged for the stack
  ephemeral   create a uniquely named stack, up, verify, drill, then ALWAYS destroy,
              audit and remove the stack, even when a step failed

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

${exitCodeHelp(DRIVER_EXIT_CODES)}
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
/** Longest stack name Pulumi accepts. */
const MAX_STACK_NAME = 100;

function isCommand(value: string): value is Command {
  return (COMMANDS as readonly string[]).includes(value);
}

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

/**
 * The name of an `ephemeral` stack: `<prefix>-<runId>`, or `<prefix>-<UTC time>-<4 random
 * hex digits>` so that two runs in the same second do not collide.
 */
export function ephemeralStackName(
  prefix: string | undefined,
  runId: string | undefined,
  now: Date,
  random: () => number,
): string {
  const base = prefix ?? DEFAULT_EPHEMERAL_PREFIX;
  const suffix =
    runId ??
    `${now
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "")
      .replace("T", "-")}-${Math.floor(random() * 0x10000)
      .toString(16)
      .padStart(4, "0")}`;
  const name = `${base}-${suffix}`;
  if (name.length > MAX_STACK_NAME) {
    throw new UsageError(`ephemeral stack name "${name}" is longer than ${MAX_STACK_NAME}`);
  }
  return name;
}
