/**
 * `npm run -s audit -- --region <region> --stack-tag <org>/<project>/<stack>/<id> [...]`: lists
 * every resource still tagged for the stack after `pulumi destroy` (lib/cleanup/audit.ts). The
 * command in one file: its flags, help, parser (pure, tested directly), report text, run and
 * exit codes, over the shared shell (lib/cli).
 */
import { auditLeftovers } from "../lib/cleanup/io/leftoverAudit";
import { AuditOptions, AuditReport } from "../lib/cleanup/leftovers";
import {
  CliProgram,
  COMMAND_LINES,
  ExitCode,
  ExitCodeValue,
  HELP,
  exitCodeHelp,
  mainOf,
  parseFlags,
} from "../lib/cli";
import { isStackTag } from "../lib/tags";

export interface AuditCliArgs extends AuditOptions {
  readonly json: boolean;
  /** A tag that matches nothing is clean (the caller knows the tag is right). */
  readonly allowNoMatch: boolean;
}

export const AUDIT_HELP = `Usage: npm run -s audit -- --region <region> --stack-tag <org>/<project>/<stack>/<id> [--cluster <name>] [--expect-snapshots] [--expect-retained] [--allow-no-match] [--json]

Lists every AWS resource still tagged for the stack (after \`pulumi destroy\`); docs/destroy.md.

  --region <region>     the stack's region (default $AWS_REGION, then $AWS_DEFAULT_REGION)
  --stack-tag <tag>     the andyredis/stack tag <org>/<project>/<stack>/<id>, the stackTag output (default $ANDYREDIS_STACK_TAG);
                        the stack's \`stackTag\` output; on the file backend <org> is \`organization\`
  --cluster <name>      also volumes with only the cluster's tag (default $ANDYREDIS_CLUSTER_NAME)
  --expect-snapshots    snapshots of the hook's \`snapshot\` mode are expected, not leftovers
  --expect-retained     volumes of the hook's \`retain\` mode are expected, not leftovers
  --allow-no-match      a tag that matches nothing is an all-clear (you know the tag is right)
  --json                the report as JSON on stdout
  -h, --help            this text

${exitCodeHelp(COMMAND_LINES.audit.exitCodes)}
`;

/** The flags, for the shared parser (lib/cli/args.ts). */
const AUDIT_FLAGS = {
  region: { type: "string" },
  "stack-tag": { type: "string" },
  cluster: { type: "string" },
  "expect-snapshots": { type: "boolean" },
  "expect-retained": { type: "boolean" },
  "allow-no-match": { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** Parses the flags (env as fallback); throws one UsageError listing every problem. */
export function parseAuditArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): AuditCliArgs | typeof HELP {
  const flags = parseFlags(argv, AUDIT_FLAGS);
  if (flags.help) return HELP;
  const region = flags.value("region") ?? env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "";
  const stackTag = flags.value("stack-tag") ?? env["ANDYREDIS_STACK_TAG"] ?? "";
  if (region === "") flags.problem("--region: required (or set AWS_REGION)");
  if (!isStackTag(stackTag)) {
    flags.problem(
      `--stack-tag: got ${JSON.stringify(stackTag)}, expected <org>/<project>/<stack>/<id>, the stackTag output ` +
        "(or a legacy <org>/<project>/<stack>; or set ANDYREDIS_STACK_TAG)",
    );
  }
  flags.finish();
  return {
    region,
    stackTag,
    clusterName: flags.value("cluster") ?? env["ANDYREDIS_CLUSTER_NAME"],
    expectSnapshots: flags.has("expect-snapshots"),
    expectRetained: flags.has("expect-retained"),
    json: flags.has("json"),
    allowNoMatch: flags.has("allow-no-match"),
  };
}

/**
 * The exit code of a report: 0 clean, 15 billable leftovers, 19 the tag matched nothing (or
 * only look-alike tags carry something, which `--allow-no-match` does not excuse).
 */
export function auditExitCode(report: AuditReport, allowNoMatch: boolean): ExitCodeValue {
  if (!report.ok) return report.leftovers.length > 0 ? ExitCode.leftovers : ExitCode.auditNoMatch;
  if (report.matched === 0 && !allowNoMatch) return ExitCode.auditNoMatch;
  return ExitCode.ok;
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
  if (report.leftovers.length > 0) {
    lines.push("FAIL: billable resources remain");
  } else if (report.lookAlikes.length > 0) {
    lines.push("FAIL: the tag matched nothing, but a look-alike tag exists (see above)");
  } else if (report.matched > 0) {
    lines.push(`OK: nothing billable left (the tag matched ${report.matched} resource(s))`);
  } else if (allowNoMatch) {
    lines.push("OK (--allow-no-match): the tag matched nothing, nothing billable carries it");
  } else {
    lines.push(
      `NO MATCH: nothing carries andyredis/stack=${report.stackTag} in ${report.region}, not ` +
        "even a recently deleted resource. This is an all-clear only if the tag is right " +
        "(`<org>/<project>/<stack>/<id>`, with the stack's random id): check it " +
        "against the stack's `stackTag` output, then pass --allow-no-match.",
    );
  }
  return lines.join("\n");
}

/** The command on the shell. */
export const auditProgram: CliProgram<AuditCliArgs> = {
  name: "audit",
  help: AUDIT_HELP,
  // The audit could not run (credentials, API errors): a failed audit never looks clean.
  failure: ExitCode.auditFailed,
  parse: (argv) => parseAuditArgs(argv, process.env),
  run: async (args) => {
    const report = await auditLeftovers(args);
    return {
      code: auditExitCode(report, args.allowNoMatch),
      stdout: args.json
        ? JSON.stringify(report, null, 2)
        : formatAuditReport(report, args.allowNoMatch),
    };
  },
};

if (require.main === module) mainOf(auditProgram);
