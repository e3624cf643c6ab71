/**
 * `npm run audit -- --region <region> --stack-tag <org>/<project>/<stack> [--cluster <name>]
 *   [--expect-snapshots] [--expect-retained] [--json]`
 *
 * Lists every resource still tagged for the stack after `pulumi destroy` (see
 * lib/cleanup/audit.ts). Exit codes: 0 nothing billable left, 1 billable leftovers, 2 usage or
 * API error. Region and stack tag can come from AWS_REGION / AWS_DEFAULT_REGION and
 * ANDYREDIS_STACK_TAG, the cluster name from ANDYREDIS_CLUSTER_NAME.
 */
import { auditLeftovers, type AuditOptions, type AuditReport } from "../lib/cleanup/audit";

export interface AuditCliArgs extends AuditOptions {
  readonly json: boolean;
}

const USAGE =
  "usage: audit --region <region> --stack-tag <org>/<project>/<stack> [--cluster <name>] " +
  "[--expect-snapshots] [--expect-retained] [--json]";

/** Parses the flags (env as fallback); throws one line per problem. */
export function parseAuditArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): AuditCliArgs {
  const problems: string[] = [];
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] = a.split(/=(.*)/s, 2);
    if (["--region", "--stack-tag", "--cluster"].includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) problems.push(`${name}: needs a value`);
      else values[name] = v;
    } else if (["--json", "--expect-snapshots", "--expect-retained"].includes(a)) {
      flags.add(a);
    } else {
      problems.push(
        `${a}: unknown flag (allowed: --region, --stack-tag, --cluster, --expect-snapshots, ` +
          "--expect-retained, --json)",
      );
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
  };
}

/** The human-readable report. */
export function formatAuditReport(report: AuditReport): string {
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
  lines.push(report.ok ? "OK: nothing billable left" : "FAIL: billable resources remain");
  return lines.join("\n");
}

async function main(): Promise<number> {
  let args: AuditCliArgs;
  try {
    args = parseAuditArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const report = await auditLeftovers(args);
  process.stdout.write(
    args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatAuditReport(report)}\n`,
  );
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`audit failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
