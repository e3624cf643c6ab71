/**
 * The Helm post-renderer of the Redis release (components/redis.ts runs the executable
 * cli/helm-postrender, which runs this): the rendered manifest on stdin, the same without the
 * chart's Role and RoleBinding, and with the service account token in the label push only, on
 * stdout (lib/redis/rbac.ts `postRender`). The command in one file: no
 * flags, its help, run and exit codes, over the shared shell (lib/cli). Not named after the
 * executable: `require("./helm-postrender")` would load the shell script beside it.
 */
import {
  CliProgram,
  COMMAND_LINES,
  ExitCode,
  HELP,
  exitCodeHelp,
  mainOf,
  parseFlags,
} from "../lib/cli";
import { postRenderMain } from "../lib/redis/rbac";

export const HELM_POSTRENDER_HELP = `Usage: cli/helm-postrender < rendered.yaml > post-rendered.yaml

Helm's post-renderer of the Redis release: writes the manifest it reads without the chart's
Role and RoleBinding (the stack grants its own, narrower RBAC), and with the service account
token mounted into the label-push container only (docs/redis.md). Helm runs it.

${exitCodeHelp(COMMAND_LINES["helm-postrender"].exitCodes)}
`;

/** No flags: anything but `--help` is a usage error (Helm passes none). */
export function parseHelmPostrenderArgs(argv: readonly string[]): true | typeof HELP {
  const flags = parseFlags(argv, {});
  if (flags.help) return HELP;
  flags.finish();
  return true;
}

export const helmPostrenderProgram: CliProgram<true> = {
  name: "helm-postrender",
  help: HELM_POSTRENDER_HELP,
  // A manifest that cannot be read or written: Helm stops the release on any non-zero code.
  failure: ExitCode.internal,
  parse: parseHelmPostrenderArgs,
  run: async () => {
    await postRenderMain(process.stdin, process.stdout);
    return ExitCode.ok;
  },
};

if (require.main === module) mainOf(helmPostrenderProgram);
