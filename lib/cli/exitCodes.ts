/**
 * The exit codes of every command line of the project (lib/cli/commands.ts lists them): the
 * Automation driver, verify, drill, audit, the Helm post-renderer and the benchmarks. CI scripts branch on these numbers, so they are an interface: add
 * codes, never renumber. Each code means one thing whichever command returns it. The table in
 * docs/automation.md ("Exit codes") is checked against this one by tests/integration/cli-table.test.ts.
 */
export const ExitCode = {
  ok: 0,
  /** A bug or an error no other code describes. */
  internal: 1,
  /** Bad command line: unknown command or flag, missing or malformed value, unreadable input file. */
  usage: 2,
  /** A required tool is missing: the Pulumi CLI, redis-server/redis-sentinel, a Kubernetes client. */
  toolMissing: 3,
  /** The passphrase secrets provider has no passphrase. */
  passphraseMissing: 4,
  stackNotFound: 5,
  /** Another update holds the stack's lock. */
  concurrentUpdate: 6,
  /** `ephemeral` picked a name that already exists. */
  stackExists: 7,
  previewFailed: 10,
  upFailed: 11,
  /** A verify check failed, or the outputs verify needs do not follow the contract. */
  verifyFailed: 12,
  /** A drill scenario (or a benchmark's target) broke its promise. */
  drillFailed: 13,
  destroyFailed: 14,
  /** The audit found billable resources tagged for the stack (after destroy). */
  leftovers: 15,
  /** The audit itself could not run (credentials, API errors): leftovers unknown. */
  auditFailed: 16,
  /** `up` succeeded but the outputs break the contract other stacks consume. */
  contractViolated: 17,
  /** verify or drill: no Redis or Sentinel answers at the deployment's addresses. */
  redisUnreachable: 18,
  /** The audited stack tag matched nothing (or only look-alike tags): no all-clear. */
  auditNoMatch: 19,
  /**
   * The passphrase is set but empty (PULUMI_CONFIG_PASSPHRASE="", or an empty passphrase file):
   * what CI passes when the secret is not defined; an empty passphrase protects nothing.
   */
  passphraseEmpty: 20,
  /**
   * Stopped by SIGINT (Ctrl-C, a CI cancellation) before finishing, after the cleanups of the
   * interrupt policy (lib/cli/interrupts.ts): the driver at the second one, without finishing
   * its cleanup; the other commands at the first.
   */
  interrupted: 130,
  /** Stopped by SIGHUP, as for `interrupted`. */
  hungUp: 129,
  /** Stopped by SIGTERM, as for `interrupted`. */
  terminated: 143,
} as const;

export type ExitCodeName = keyof typeof ExitCode;
export type ExitCodeValue = (typeof ExitCode)[ExitCodeName];

/** One line per code, for `--help` texts: `"  2 usage error"`. */
export const EXIT_CODE_SUMMARY: Readonly<Record<ExitCodeName, string>> = {
  ok: "ok",
  internal: "internal error",
  usage: "usage error (bad flag or value, unreadable input file)",
  toolMissing: "a required tool is missing (Pulumi CLI, redis-server, Kubernetes client)",
  passphraseMissing: "passphrase missing",
  stackNotFound: "stack not found",
  concurrentUpdate: "stack locked by another update",
  stackExists: "stack already exists",
  previewFailed: "preview failed",
  upFailed: "update failed",
  verifyFailed: "verification failed",
  drillFailed: "a drill or benchmark promise did not hold",
  destroyFailed: "destroy failed",
  leftovers: "billable leftovers after destroy",
  auditFailed: "audit could not run",
  contractViolated: "outputs break the contract",
  redisUnreachable: "no Redis/Sentinel answers at the target",
  auditNoMatch: "the audited stack tag matched nothing",
  passphraseEmpty: "passphrase set but empty",
  interrupted: "interrupted (SIGINT)",
  hungUp: "interrupted (SIGHUP)",
  terminated: "interrupted (SIGTERM)",
};

/** The help text's exit-code section for the codes a command can return. */
export function exitCodeHelp(names: readonly ExitCodeName[]): string {
  return [
    "Exit codes (the same for every command; docs/automation.md):",
    ...names.map((name) => `  ${String(ExitCode[name]).padStart(3)} ${EXIT_CODE_SUMMARY[name]}`),
  ].join("\n");
}
