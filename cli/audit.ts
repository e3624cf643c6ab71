/**
 * `npm run audit -- --region <region> --stack-tag <org>/<project>/<stack> [--cluster <name>]
 *   [--expect-snapshots] [--expect-retained] [--allow-no-match] [--json]`
 *
 * Lists every resource still tagged for the stack after `pulumi destroy` (see
 * lib/cleanup/audit.ts). Exit codes: `AUDIT_EXIT`. Region and stack tag can come from
 * AWS_REGION / AWS_DEFAULT_REGION and ANDYREDIS_STACK_TAG, the cluster name from
 * ANDYREDIS_CLUSTER_NAME.
 */
import { parseArgs } from "node:util";

import { auditLeftovers, type AuditOptions, type AuditReport } from "../lib/cleanup/audit";

/** The audit's exit codes. */
export const AUDIT_EXIT = {
  /** The stack tag matched something, and nothing billable is left. */
  clean: 0,
  /** Billable leftovers, or the tag matched nothing while a look-alike tag exists. */
  leftovers: 1,
  /** Bad flags, or an AWS error (a failed audit never looks clean). */
  error: 2,
  /** The tag matched nothing at all: no all-clear unless `--allow-no-match`. */
  noMatch: 3,
} as const;

export interface AuditCliArgs extends AuditOptions {
  readonly json: boolean;
  /** A tag that matches nothing is clean (the caller knows the tag is right). */
  readonly allowNoMatch: boolean;
}

const USAGE =
  "usage: audit --region <region> --stack-tag <org>/<project>/<stack> [--cluster <name>] " +
  "[--expect-snapshots] [--expect-retained] [--allow-no-match] [--json]";

/** The flags, for `node:util` `parseArgs`. */
const AUDIT_FLAGS = {
  region: { type: "string" },
  "stack-tag": { type: "string" },
  cluster: { type: "string" },
  "expect-snapshots": { type: "boolean" },
  "expect-retained": { type: "boolean" },
  "allow-no-match": { type: "boolean" },
  json: { type: "boolean" },
} as const;
const ALLOWED = Object.keys(AUDIT_FLAGS)
  .map((f) => `--${f}`)
  .join(", ");

/** Parses the flags (env as fallback); throws one line per problem. */
export function parseAuditArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): AuditCliArgs {
  const problems: string[] = [];
  // Not strict: every unknown flag and missing value is collected and reported at once.
  const { tokens } = parseArgs({
    args: [...argv],
    options: AUDIT_FLAGS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (const token of tokens) {
    if (token.kind === "positional") {
      problems.push(`${token.value}: unexpected argument (flags only)`);
    } else if (token.kind === "option") {
      const spec = (AUDIT_FLAGS as Record<string, { type: string } | undefined>)[token.name];
      const flag = token.rawName;
      if (spec === undefined) {
        problems.push(`${flag}: unknown flag (allowed: ${ALLOWED})`);
      } else if (spec.type === "string") {
        if (token.value === undefined || token.value.startsWith("--")) {
          problems.push(`${flag}: needs a value`);
        } else {
          values[flag] = token.value;
        }
      } else if (token.value !== undefined) {
        problems.push(`${flag}: takes no value`);
      } else {
        flags.add(flag);
      }
    }
  }
  const region = values["--region"] ?? env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "";
  const stackTag = values["--stack-tag"] ?? env["ANDYREDIS_STACK_TAG"] ?? "";
  if (region === "") problems.push("--region: required (or set AWS_REGION)");
  if (!/^[^/]+\/[^/]+\/[^/]+$/.test(stackTag)) {
    problems.push(
      `--stack-tag: got ${JSON.stringify(stackTag)}, expected <org>/<project>/<stack> ` +
        "(or set ANDYREDIS_STACK_TAG)",
    );
  }
  if (problems.length > 0) throw new Error(`${problems.join("\n")}\n${USAGE}`);
  return {
    region,
    stackTag,
    clusterName: values["--cluster"] ?? env["ANDYREDIS_CLUSTER_NAME"],
    expectSnapshots: flags.has("--expect-snapshots"),
    expectRetained: flags.has("--expect-retained"),
    json: flags.has("--json"),
    allowNoMatch: flags.has("--allow-no-match"),
  };
}

/** The exit code of a report (see `AUDIT_EXIT`). */
export function auditExitCode(report: AuditReport, allowNoMatch: boolean): number {
  if (!report.ok) return AUDIT_EXIT.leftovers;
  if (report.matched === 0 && !allowNoMatch) return AUDIT_EXIT.noMatch;
  return AUDIT_EXIT.clean;
}

/** The human-readable report; its last line is the verdict. */
export function formatAuditReport(report: AuditReport, allowNoMatch = false): string {
  const lines = [`audit of ${report.stackTag} in ${report.region}:`];
  const section = (title: string, items: readonly string[]): void => {
    if (items.length === 0) return;
    lines.push(`${title} (${items.length}):`, ...items.map((i) => `  ${i}`));
  };
  section("billable leftovers", report.leftovers);
  section("kept on purpose (expected)", report.expected);
  section(
    "not billable, still tagged",
    report.resources.filter((r) => !r.billable).map((r) => `${r.kind} ${r.id}`),
  );
  section("recently deleted (tagging API lags)", report.stale);
  section("look-alike stack tags", report.lookAlikes);
  if (report.matched === 0) {
    section(
      "other andyredis/stack values in this region",
      report.otherStackTags.map((o) => `${o.value} (${o.ec2Resources} EC2 resource(s))`),
    );
  }
  switch (auditExitCode(report, allowNoMatch)) {
    case AUDIT_EXIT.clean:
      lines.push(
        report.matched > 0
          ? `OK: nothing billable left (the tag matched ${report.matched} resource(s))`
          : "OK (--allow-no-match): the tag matched nothing, nothing billable carries it",
      );
      break;
    case AUDIT_EXIT.noMatch:
      lines.push(
        `NO MATCH: nothing carries andyredis/stack=${report.stackTag} in ${report.region}, not ` +
          "even a recently deleted resource. This is an all-clear only if the tag is right " +
          "(`<org>/<project>/<stack>`; on the file backend the org is `organization`): check it " +
          "against the stack's `stackTag` output, then pass --allow-no-match.",
      );
      break;
    default:
      lines.push(
        report.leftovers.length > 0
          ? "FAIL: billable resources remain"
          : "FAIL: the tag matched nothing, but a look-alike tag exists (see above)",
      );
  }
  return lines.join("\n");
}

async function main(): Promise<number> {
  let args: AuditCliArgs;
  try {
    args = parseAuditArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return AUDIT_EXIT.error;
  }
  const report = await auditLeftovers(args);
  process.stdout.write(
    args.json
      ? `${JSON.stringify(report, null, 2)}\n`
      : `${formatAuditReport(report, args.allowNoMatch)}\n`,
  );
  return auditExitCode(report, args.allowNoMatch);
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`audit failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = AUDIT_EXIT.error;
    },
  );
}
