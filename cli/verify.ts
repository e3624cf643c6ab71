/**
 * `npm run verify -- [flags]`: checks a Sentinel topology and prints one line per check.
 * Exit codes in `EXIT` (lib/sentinel/cliArgs.ts): 0 healthy, 1 a check failed, 2 bad flags,
 * 3 a missing prerequisite, 4 nothing answers at the target.
 */
import { SentinelCliOptions, UsageError, mainOf, targetFromFiles } from "../lib/sentinel/cliArgs";
import { verifyDeployment } from "../lib/sentinel/cluster";
import { withLocalTopology } from "../lib/sentinel/localTopology";
import { ensureReachable } from "../lib/sentinel/reachability";
import {
  VerifyReport,
  formatVerifyFailures,
  formatVerifyReport,
  verifyTopology,
  waitUntilVerified,
} from "../lib/sentinel/verify";

const HELP = `Usage: npm run verify -- <target> [--json]

Checks a Redis Sentinel topology: every sentinel reachable and agreeing on the master,
SENTINEL CKQUORUM, replicas and sentinels seen by each sentinel, each replica's link and lag,
and a write on the master acknowledged (WAIT) and readable on every replica.

Targets (choose one):
  --sentinel host:port[,host:port]  sentinels reachable from here (repeatable), with
      --master-set <name>           master set (default mymaster)
      --password <pw>               Redis/Sentinel password (default $REDIS_PASSWORD)
  --outputs <file>                  a deployed stack: \`pulumi stack output --json --show-secrets > file\`;
      --kubeconfig <file>           kubeconfig to use instead of the stack's kubeconfig output
      --nodes <n>                   Redis nodes in the release (default 3)
  --local                           start a local topology (real redis-server/redis-sentinel),
                                    verify it once it has synced, and remove it

Output:
  --json                            the report as JSON on stdout (failed checks also on stderr)
  --help                            this text

Exit codes: 0 healthy, 1 a check failed, 2 bad flags, 3 missing prerequisite,
4 cannot reach Redis/Sentinel at the target (checked within seconds, before any check).
`;

async function run(options: SentinelCliOptions): Promise<VerifyReport> {
  if (options.local) {
    return withLocalTopology({}, (topology) =>
      // A fresh topology needs seconds to sync: wait for it rather than report start-up.
      waitUntilVerified(topology.settings(), { nodes: topology.nodes() }, 60000),
    );
  }
  if (options.outputsFile !== undefined) {
    return verifyDeployment(targetFromFiles({ ...options, outputsFile: options.outputsFile }));
  }
  const password = options.password ?? process.env.REDIS_PASSWORD;
  if (options.sentinels.length === 0 || password === undefined) {
    throw new UsageError(
      "give a target: --local, --outputs <file>, or --sentinel host:port with --password (or $REDIS_PASSWORD)",
    );
  }
  const settings = {
    sentinels: options.sentinels,
    masterSet: options.masterSet ?? "mymaster",
    password,
  };
  await ensureReachable(settings);
  return verifyTopology(settings, {
    expectedReplicas: options.nodes === undefined ? undefined : options.nodes - 1,
  });
}

mainOf({
  name: "verify",
  help: HELP,
  run: async (options) => {
    const report = await run(options);
    return options.json
      ? {
          ok: report.ok,
          output: JSON.stringify(report, null, 2),
          console: formatVerifyFailures(report),
        }
      : { ok: report.ok, output: formatVerifyReport(report) };
  },
});
