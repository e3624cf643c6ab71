/**
 * `npm run -s verify -- <target> [--json]`: checks a Sentinel topology and prints one line per
 * check. The command in one file: its flags, help, parser (pure, tested directly), run and exit
 * codes, over the shared shell (lib/cli).
 */
import {
  CheckOutput,
  CliProgram,
  COMMAND_LINES,
  checkOutput,
  ExitCode,
  HELP,
  exitCodeHelp,
  mainOf,
  parseFlags,
} from "../lib/cli";
import {
  TARGET_FLAGS,
  checkTarget,
  requireLocalBinaries,
  targetFromFiles,
} from "../lib/cli/io/targets";
import { verifyDeployment } from "../lib/topology/io/deployedTopology";
import { withLocalTopology } from "../lib/topology/io/localTopology";
import { splitAddressKey } from "../lib/topology/natMap";
import { ensureReachable } from "../lib/sentinel/io/reachability";
import { Endpoint } from "../lib/sentinel/ports";
import {
  VerifyReport,
  formatVerifyFailures,
  formatVerifyReport,
  verifyTopology,
  waitUntilVerified,
} from "../lib/verify/io/healthChecks";
import { DEFAULT_TUNING } from "../lib/tuning";

export interface VerifyOptions {
  readonly json: boolean;
  /** Run against a fresh local topology of real processes. */
  readonly local: boolean;
  readonly sentinels: readonly Endpoint[];
  readonly masterSet: string | undefined;
  readonly password: string | undefined;
  /** The ACL user of `--sentinel` ($REDIS_USERNAME, e.g. operator); absent: `default`. */
  readonly username: string | undefined;
  /** `pulumi stack output --json --show-secrets` saved to a file: cluster mode. */
  readonly outputsFile: string | undefined;
  /** kubeconfig file that replaces the stack's `kubeconfig` output. */
  readonly kubeconfigFile: string | undefined;
  /** `--sentinel` targets: Redis nodes expected (replicas + 1). */
  readonly nodes: number | undefined;
}

const VERIFY_FLAGS = {
  ...TARGET_FLAGS,
  sentinel: { type: "string", multiple: true },
  "master-set": { type: "string" },
  password: { type: "string" },
  nodes: { type: "string" },
} as const;

export const VERIFY_HELP = `Usage: npm run -s verify -- <target> [--json]

Checks a Redis Sentinel topology: every sentinel reachable and agreeing on the master,
SENTINEL CKQUORUM, replicas and sentinels seen by each sentinel, each replica's link and lag,
and a write on the master acknowledged (WAIT) and readable on every replica.

Targets (choose one):
  --sentinel host:port[,host:port]  sentinels reachable from here (repeatable), with
      --master-set <name>           master set (default ${DEFAULT_TUNING.masterSet})
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

${exitCodeHelp(COMMAND_LINES.verify.exitCodes)}
(the target is checked within seconds, before any check)
`;

/**
 * Parses argv (without node and script); `--flag value` and `--flag=value` both work. The
 * password only from `env`. Throws one UsageError listing every problem, or returns HELP.
 */
export function parseVerifyArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): VerifyOptions | typeof HELP {
  const flags = parseFlags(argv, VERIFY_FLAGS);
  if (flags.help) return HELP;
  const sentinels: Endpoint[] = [];
  for (const value of flags.list("sentinel") ?? []) {
    const address = splitAddressKey(value);
    if (address) sentinels.push(address);
    else flags.problem(`--sentinel: "${value}" is not host:port`);
  }
  const options: VerifyOptions = {
    json: flags.has("json"),
    local: flags.has("local"),
    sentinels,
    masterSet: flags.value("master-set"),
    // Only from the environment: on the command line a password shows in `ps`, shell history
    // and npm's echo of the script's arguments.
    password: env.REDIS_PASSWORD === "" ? undefined : env.REDIS_PASSWORD,
    username: env.REDIS_USERNAME === "" ? undefined : env.REDIS_USERNAME,
    outputsFile: flags.value("outputs"),
    kubeconfigFile: flags.value("kubeconfig"),
    nodes: flags.integer("nodes", 2),
  };
  checkTarget(
    { ...options, sentinels: sentinels.length },
    flags.problem.bind(flags),
    "--local, --outputs <file>, or --sentinel host:port",
  );
  const bySentinel = sentinels.length > 0 || flags.value("sentinel") !== undefined;
  if (flags.value("password") !== undefined) {
    flags.problem(
      "--password: a password on the command line shows in `ps` and logs; set REDIS_PASSWORD instead",
    );
  }
  if (bySentinel && options.password === undefined) {
    flags.problem("--sentinel: needs the password in $REDIS_PASSWORD");
  }
  for (const flag of ["master-set", "nodes"] as const) {
    if (flags.value(flag) !== undefined && !bySentinel) {
      flags.problem(`--${flag}: only applies to --sentinel`);
    }
  }
  flags.finish();
  return options;
}

async function verifyTarget(options: VerifyOptions): Promise<VerifyReport> {
  if (options.local) {
    requireLocalBinaries();
    return withLocalTopology({}, (topology) =>
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
    masterSet: options.masterSet ?? DEFAULT_TUNING.masterSet,
    username: options.username,
    password,
  };
  await ensureReachable(settings);
  return verifyTopology(settings, {
    expectedReplicas: options.nodes === undefined ? undefined : options.nodes - 1,
  });
}

/** Verifies the target and says what to print: JSON for `--json` (failed checks on stderr). */
async function verify(options: VerifyOptions): Promise<CheckOutput> {
  const report = await verifyTarget(options);
  return options.json
    ? {
        ok: report.ok,
        stdout: JSON.stringify(report, null, 2),
        stderr: formatVerifyFailures(report),
      }
    : { ok: report.ok, stdout: formatVerifyReport(report) };
}

/** The command on the shell (`run` replaced in tests): a failed check exits 12. */
export function verifyProgram(
  env: Readonly<Record<string, string | undefined>> = process.env,
  run: (options: VerifyOptions) => Promise<CheckOutput> = verify,
): CliProgram<VerifyOptions> {
  return {
    name: "verify",
    help: VERIFY_HELP,
    failure: ExitCode.verifyFailed,
    parse: (argv) => parseVerifyArgs(argv, env),
    run: async (options) => checkOutput(await run(options), ExitCode.verifyFailed),
  };
}

if (require.main === module) mainOf(verifyProgram());
