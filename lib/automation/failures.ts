/**
 * The driver's failures: its steps, its error classes, and their mapping to the exit codes of
 * lib/cli/exitCodes.ts (the one table every command line shares).
 */
import { ToolMissingError, commonExitCode } from "../cli/errors";
import { ExitCode, ExitCodeValue } from "../cli/exitCodes";
import { ContractError } from "../contract";

/**
 * The Automation API's errors, known by the name each sets (automation/errors.js): matched
 * without loading the SDK, which only the driver's ports (io/localWorkspace.ts) need.
 */
type AutomationErrorName =
  "ConcurrentUpdateError" | "StackNotFoundError" | "StackAlreadyExistsError";
const isAutomationError = (error: unknown, name: AutomationErrorName): boolean =>
  error instanceof Error && error.name === name;

/** The steps the driver runs; each has the exit code its failure maps to. */
export type StepName =
  | "select"
  | "create"
  | "config"
  | "preview"
  | "up"
  | "outputs"
  | "contract"
  | "verify"
  | "drill"
  | "destroy"
  | "audit"
  | "remove";

const STEP_EXIT_CODES: Readonly<Record<StepName, ExitCodeValue>> = {
  select: ExitCode.stackNotFound,
  create: ExitCode.internal,
  config: ExitCode.usage,
  preview: ExitCode.previewFailed,
  up: ExitCode.upFailed,
  outputs: ExitCode.internal,
  contract: ExitCode.contractViolated,
  verify: ExitCode.verifyFailed,
  drill: ExitCode.drillFailed,
  destroy: ExitCode.destroyFailed,
  audit: ExitCode.auditFailed,
  remove: ExitCode.internal,
};

/** The Pulumi CLI is not installed where the Automation API looks for it. */
export class PulumiCliMissingError extends ToolMissingError {
  constructor(message: string) {
    super(message);
    this.name = "PulumiCliMissingError";
  }
}

/** The default (passphrase) secrets provider cannot work without a passphrase. */
export class PassphraseMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PassphraseMissingError";
  }
}

/** The passphrase is set, but to nothing: it would encrypt the stack's secrets with "". */
export class PassphraseEmptyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PassphraseEmptyError";
  }
}

/** The audit ran and found resources tagged for the stack after destroy. */
export class LeftoversError extends Error {
  constructor(readonly leftovers: readonly string[]) {
    super(
      `${leftovers.length} resource(s) tagged for this stack remain after destroy:\n` +
        leftovers.map((l) => `  - ${l}`).join("\n"),
    );
    this.name = "LeftoversError";
  }
}

/** A check (verify, drill) ran and reported failure rather than throwing. */
export class CheckFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailedError";
  }
}

/**
 * The exit code for an error thrown by a step. Errors that say what went wrong whatever the
 * step (a locked stack, a missing stack, a missing CLI) win over the step's own code.
 */
export function exitCodeFor(error: unknown, step?: StepName): ExitCodeValue {
  const common = commonExitCode(error);
  if (common !== undefined) return common;
  if (error instanceof PassphraseMissingError) return ExitCode.passphraseMissing;
  if (error instanceof PassphraseEmptyError) return ExitCode.passphraseEmpty;
  if (isAutomationError(error, "ConcurrentUpdateError")) return ExitCode.concurrentUpdate;
  if (isAutomationError(error, "StackNotFoundError")) return ExitCode.stackNotFound;
  if (isAutomationError(error, "StackAlreadyExistsError")) return ExitCode.stackExists;
  if (error instanceof LeftoversError) return ExitCode.leftovers;
  // Verify reads the outputs through the contract: a broken contract fails verification.
  if (error instanceof ContractError) {
    return step === "verify" || step === "drill"
      ? STEP_EXIT_CODES[step]
      : ExitCode.contractViolated;
  }
  return step === undefined ? ExitCode.internal : STEP_EXIT_CODES[step];
}

/** The steps whose failure leaves cloud resources (and cost) behind: they decide the exit code. */
const CLEANUP_STEPS: readonly StepName[] = ["destroy", "audit"];

/**
 * The exit code of a whole run from its failed steps, in the order they ran. A cleanup failure
 * (destroy, leftovers, audit) outranks an earlier failure, because it needs someone to act now;
 * otherwise the first failure is the cause and its code is returned.
 */
export function runExitCode(
  failures: readonly { readonly step: StepName; readonly exitCode: ExitCodeValue }[],
): ExitCodeValue {
  const cleanup = failures.find((f) => CLEANUP_STEPS.includes(f.step));
  if (cleanup !== undefined) return cleanup.exitCode;
  return failures.length > 0 ? failures[0].exitCode : ExitCode.ok;
}
