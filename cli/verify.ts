/**
 * `npm run verify -- [flags]`: checks a Sentinel topology and prints one line per check.
 * Exit codes: lib/cli/exitCodes.ts (0 healthy, 12 a check failed, 2 bad flags, 3 a missing
 * tool, 18 nothing answers at the target).
 */
import { exitCodeHelp, mainOf } from "../lib/cli";
import { SentinelCliOptions, sentinelProgram, targetFromFiles } from "../lib/sentinel/cliArgs";
import { verifyDeployment } from "../lib/topology/io/deployedTopology";
import { interruptExitCode, withLocalTopology } from "../lib/topology/io/localTopology";
import { ensureReachable } from "../lib/sentinel/io/reachability";
import {
  VerifyReport,
  formatVerifyFailures,
  formatVerifyReport,
  verifyTopology,
  waitUntilVerified,
} from "../lib/verify/io/healthChecks";

const HELP = `Usage: npm run -s verify -- <target> [--json]

Checks a Redis Sentinel topology: every sentinel reachable and agreeing on the master,
SENTINEL CKQUORUM, replicas and sentinels seen by each sentinel, each replica's link and lag,
and a write on the master acknowledged (WAIT) and readable on every replica.

Targets (choose one):
  --sentinel host:port[,host:port]  sentinels reachable from here (repeatable), with
      --master-set <name>           master set (default mymaster)
      (the Redis/Sentinel password of --sentinel comes from $REDIS_PASSWORD only, and the
      ACL user from $REDIS_USERNAME: operator for a stack, see docs/redis.md)
  --outputs <file>                  a deployed stack: \`pulumi stack output --json --show-secrets > file\`;
      --kubeconfig <file>           kubeconfig to use instead of the stack's kubeconfig output
      --nodes <n>                   Redis nodes in the release (default 3)
  --local                           start a local topology (real redis-server/redis-sentinel),
                                    verify it once it has synced, and remove it

Output:
  --json                            the report as JSON on stdout (failed checks also on stderr)
  -h, --help                        this text

${exitCodeHelp(["ok", "usage", "toolMissing", "verifyFailed", "redisUnreachable"])}
(the target is checked within seconds, before any check)
`;

async function run(options: SentinelCliOptions): Promise<VerifyReport> {
  if (options.local) {
    return withLocalTopology({ onInterrupted: exitInterrupted }, (topology) =>
      // A fresh topology needs seconds to sync: wait for it rather than report start-up.
      waitUntilVerified(topology.settings(), { nodes: topology.nodes() }, 60000),
    );
  }
  if (options.outputsFile !== undefined) {
    return verifyDeployment(targetFromFiles(options.outputsFile, options.kubeconfigFile));
  }
  // The parser checked that --sentinel comes with a password.
  const password = options.password ?? "";
  const settings = {
    sentinels: options.sentinels,
    masterSet: options.masterSet ?? "mymaster",
    username: options.username,
    password,
  };
  await ensureReachable(settings);
  return verifyTopology(settings, {
    expectedReplicas: options.nodes === undefined ? undefined : options.nodes - 1,
  });
}

/** Ctrl-C during a local topology: its processes are stopped; the exit code says why. */
function exitInterrupted(signal: NodeJS.Signals): never {
  process.exit(interruptExitCode(signal));
}

mainOf(
  sentinelProgram({
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
  }),
);
