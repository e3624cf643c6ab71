/**
 * The shell every command line runs in: parse, print help (exit 0), run under the one interrupt
 * policy (./interrupts.ts), print what the run returns, and map what was thrown to one exit
 * code of `ExitCode`. A usage error prints its problems, the usage line and where to get help,
 * and exits 2; nothing that failed exits 0.
 */
import { UsageError, commonExitCode } from "./errors";
import { ExitCode, ExitCodeValue } from "./exitCodes";
import {
  GracefulStop,
  InterruptContext,
  installInterruptPolicy,
  interruptContext,
} from "./interrupts";

/** Parsing asks for the help text instead of a run. */
export const HELP = Symbol("help");

/** What a run prints, and its exit code. */
export interface CommandOutput {
  readonly code: ExitCodeValue;
  /** The result (a report, JSON for a program), on stdout. */
  readonly stdout?: string;
  /** For a person even when stdout is JSON (failed checks), on stderr. */
  readonly stderr?: string;
}

/** What a check (verify, drill) prints and whether it held: exit 0, or the command's failure. */
export interface CheckOutput {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr?: string;
}

/** The output of a check as the shell prints it: held 0, else `failed`. */
export function checkOutput(check: CheckOutput, failed: ExitCodeValue): CommandOutput {
  return { ...check, code: check.ok ? ExitCode.ok : failed };
}

export interface CliProgram<O> {
  /** How error lines start, e.g. "verify". */
  readonly name: string;
  /** The help text; its first line is the usage line repeated under a usage error. */
  readonly help: string;
  /** The code of an error no other code describes (verify: `verifyFailed`). */
  readonly failure: ExitCodeValue;
  /** Throws a UsageError listing every problem. */
  parse(argv: readonly string[]): O | typeof HELP;
  /** Runs the command; `interrupt.signal` aborts at the first SIGINT/SIGTERM/SIGHUP. */
  run(options: O, interrupt: InterruptContext): Promise<ExitCodeValue | CommandOutput>;
  /**
   * The command stops by itself once `interrupt.signal` aborts (and still cleans up); without
   * it, the first interrupt exits at once after the cleanups registered with `onInterrupt`.
   */
  readonly gracefulStop?: GracefulStop;
  /** Codes for the command's own errors, before the common ones and `failure`. */
  exitCodeFor?(error: unknown): ExitCodeValue | undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The text of a usage error: one line per problem, then the usage line and the help hint. */
export function usageErrorText(program: { name: string; help: string }, error: UsageError): string {
  const usageLine = program.help.split("\n")[0];
  const problems = error.message.split("\n").map((line) => `${program.name}: ${line}`);
  return `${[...problems, usageLine, `Run with --help for every flag.`].join("\n")}\n`;
}

function line(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** Runs a program on argv and returns its exit code; writes to this process's stdout/stderr. */
export async function runCli<O>(
  program: CliProgram<O>,
  argv: readonly string[],
  interrupt: InterruptContext = interruptContext(),
): Promise<ExitCodeValue> {
  try {
    const options = program.parse(argv);
    if (options === HELP) {
      process.stdout.write(line(program.help));
      return ExitCode.ok;
    }
    const result = await program.run(options, interrupt);
    if (typeof result === "number") return result;
    if (result.stdout !== undefined) process.stdout.write(`${result.stdout}\n`);
    if (result.stderr !== undefined && result.stderr !== "") {
      process.stderr.write(`${result.stderr}\n`);
    }
    return result.code;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(usageErrorText(program, error));
      return ExitCode.usage;
    }
    process.stderr.write(`${program.name}: ${messageOf(error)}\n`);
    return program.exitCodeFor?.(error) ?? commonExitCode(error) ?? program.failure;
  }
}

/**
 * Sets the exit code and lets Node exit on its own (so piped output is flushed); if a client
 * left a socket open (Redis, Kubernetes), exits anyway a moment later with the same code.
 */
export function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

/**
 * Runs a program as the process's main module, under the interrupt policy. Call it behind a
 * main guard (`if (require.main === module)`), so that importing a command (a test of its
 * parser) runs nothing.
 */
export function mainOf<O>(program: CliProgram<O>): void {
  const interrupt = installInterruptPolicy(program.gracefulStop);
  runCli(program, process.argv.slice(2), interrupt).then(finish, (error: unknown) => {
    // Only a bug gets here: runCli maps every error it catches.
    process.stderr.write(`${program.name}: ${messageOf(error)}\n`);
    finish(ExitCode.internal);
  });
}
