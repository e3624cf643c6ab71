/**
 * The stack configuration: read once, validated once, typed.
 *
 * Every key is an entry of the table in `keys.ts` (type, default, allowed values, modes,
 * secret). `parseConfig` takes the raw text Pulumi holds for each key (lists and maps as JSON;
 * the secrets included, so that they are checked with everything else) and returns a
 * `StackConfig`, or throws one `ConfigError` listing every problem, one line each, naming the
 * key and what is allowed. It is pure: the files it checks (a local chart, a kubeconfig path)
 * come through the `ConfigFiles` port. `io/loadConfig.ts` reads the raw values from Pulumi and
 * calls it before any resource exists.
 *
 * The keys are read section by section (`parseGeneral.ts`, `parseCluster.ts`, `parseRedis.ts`,
 * `parseDestroy.ts`, the README's sections); what concerns every key is checked here.
 *
 * An empty value means "unset" (Pulumi.yaml declares "" for the keys whose default the program
 * fills in, since the engine requires every declared key without a default), except for keys
 * whose fixed default Pulumi.yaml declares: there an empty value can only be the user's, and is
 * an error.
 */
import * as pulumi from "@pulumi/pulumi";
import { DeploymentMode, StackConfig } from "./configTypes";
import type { Problem } from "./checks";
import type { ConfigFiles } from "./configFiles";
import { editDistance } from "../editDistance";
import { ALL_KEYS, modesText, NAMESPACE, SECRET_KEYS, specOf } from "./keys";
import { parseCluster } from "./parseCluster";
import { parseDestroy } from "./parseDestroy";
import { parseGeneral } from "./parseGeneral";
import { parseRedis } from "./parseRedis";
import { RawConfig, RawReader } from "./rawReader";
import { stackTagValue } from "../tags";

export type { RawConfig };

/** Where the stack runs: feeds the stack tag, the default cluster name and the checks. */
export interface StackContext {
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
  /** `aws:region`, used when `andyredis:region` is not set. */
  readonly awsRegion?: string;
  /** Which keys Pulumi holds encrypted; a secret key set in plain text is refused. */
  readonly encryptedKeys?: readonly string[];
  /** Keys set under the `andyredis:` namespace, to catch typos. */
  readonly keysSet?: readonly string[];
  /** The files a local chart or a kubeconfig path is read from (`io/localFiles.ts`). */
  readonly files: ConfigFiles;
  /** The time certificates' dates are checked at (`redisTlsCertificate`). Defaults to now. */
  readonly now?: Date;
}

/**
 * Every problem with the stack config. A `RunError`: the Pulumi runtime prints its message
 * alone, with no stack trace and no dump of its fields, so the user sees the list once.
 */
export class ConfigError extends pulumi.RunError {
  /** One line per problem: `andyredis:<key>: <message>`. */
  readonly lines: readonly string[];

  constructor(readonly problems: readonly Problem[]) {
    const lines = problems.map((p) => `${NAMESPACE}:${p.key}: ${p.message}`);
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        lines.map((line) => `  - ${line}`).join("\n"),
    );
    this.name = "ConfigError";
    this.lines = lines;
  }
}

/** Keys set in a mode they do not apply to. */
function modeProblems(reader: RawReader, mode: DeploymentMode): void {
  for (const key of ALL_KEYS) {
    const spec = specOf(key);
    if (!spec.modes.includes(mode) && reader.isSet(key)) {
      reader.problem(
        key,
        `applies only in ${modesText(spec.modes)} mode, and this stack's mode is ${mode}; remove it (pulumi config rm ${NAMESPACE}:${key})`,
      );
    }
  }
}

/** The key a typo most likely meant: the nearest within two edits, if exactly one is. */
export function nearestKey(typo: string): string | undefined {
  const near = ALL_KEYS.map((key) => ({
    key,
    distance: editDistance(typo.toLowerCase(), key.toLowerCase()),
  }))
    .filter((k) => k.distance <= 2)
    .sort((a, b) => a.distance - b.distance);
  if (near.length === 0 || (near.length > 1 && near[1].distance === near[0].distance)) {
    return undefined;
  }
  return near[0].key;
}

/** Keys of no entry of the table (typos). */
function keyProblems(reader: RawReader, context: StackContext): void {
  for (const key of context.keysSet ?? []) {
    if (!(ALL_KEYS as readonly string[]).includes(key)) {
      const meant = nearestKey(key);
      reader.problem(
        key,
        `is not a key of this project${meant === undefined ? "" : ` (did you mean ${meant}?)`}; see Pulumi.yaml or the README for the keys`,
      );
    }
  }
}

/** Secret keys set in plain text. */
function plainSecretProblems(reader: RawReader, context: StackContext): void {
  for (const key of SECRET_KEYS) {
    if (
      reader.isSet(key) &&
      context.encryptedKeys &&
      !context.encryptedKeys.includes(`${NAMESPACE}:${key}`)
    ) {
      reader.problem(
        key,
        `is set in plain text; set it as a secret: pulumi config set --secret ${NAMESPACE}:${key} ...`,
      );
    }
  }
}

/**
 * Validates the raw config and returns the typed `StackConfig`. Throws a `ConfigError` naming
 * every problem at once.
 */
export function parseConfig(raw: RawConfig, context: StackContext): StackConfig {
  const { files } = context;
  const modeReader = new RawReader(raw, undefined);
  const mode = modeReader.oneOf<DeploymentMode>("mode");
  const modeValid = modeReader.problems.length === 0;
  const reader = new RawReader(raw, modeValid ? mode : undefined);
  reader.problems.push(...modeReader.problems);
  const aws = mode === "aws";

  keyProblems(reader, context);
  if (modeValid) modeProblems(reader, mode);
  plainSecretProblems(reader, context);

  const stackName = stackTagValue(context.organization, context.project, context.stack);
  const general = parseGeneral(reader, { aws, awsRegion: context.awsRegion, stackName });
  const { cluster, loadBalancer } = parseCluster(reader, {
    aws,
    region: general.region,
    stack: context.stack,
  });
  const redis = parseRedis(reader, {
    aws,
    nodeMinSize: cluster.nodeMinSize,
    files,
    now: context.now ?? new Date(),
  });
  const destroy = parseDestroy(reader, { mode, modeValid, stack: context.stack, files });

  if (reader.problems.length > 0) throw new ConfigError(reader.problems);

  return {
    mode,
    region: general.region,
    stackName,
    tags: general.tags,
    network: general.network,
    cluster,
    loadBalancer,
    redis,
    ...destroy,
  };
}
