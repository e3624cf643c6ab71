/**
 * `npm run -s audit -- --region <region> --stack-tag <org>/<project>/<stack>/<id> [...]`: lists every
 * resource still tagged for the stack after `pulumi destroy` (lib/cleanup/io/leftoverAudit.ts). Flags,
 * exit code and report: lib/cleanup/auditCli.ts; exit codes: lib/cli/exitCodes.ts.
 */
import { ExitCode, mainOf } from "../lib/cli";
import { auditLeftovers } from "../lib/cleanup/io/leftoverAudit";
import {
  AUDIT_HELP,
  AuditCliArgs,
  auditExitCode,
  formatAuditReport,
  parseAuditArgs,
} from "../lib/cleanup/auditCli";

mainOf<AuditCliArgs>({
  name: "audit",
  help: AUDIT_HELP,
  // The audit could not run (credentials, API errors): a failed audit never looks clean.
  failure: ExitCode.auditFailed,
  parse: (argv) => parseAuditArgs(argv, process.env),
  run: async (args) => {
    const report = await auditLeftovers(args);
    process.stdout.write(
      args.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : `${formatAuditReport(report, args.allowNoMatch)}\n`,
    );
    return auditExitCode(report, args.allowNoMatch);
  },
});
