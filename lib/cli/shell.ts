/**
 * The shell every command line runs in: parse, print help (exit 0), run, and map what was
 * thrown to one exit code of `ExitCode`. A usage error prints its problems, the usage line and
 * where to get help, and exits 2; nothing that failed exits 0.
 */
import { UsageError, commonExitCode } from "./errors";
import { ExitCode, ExitCodeValue } from "./exitCodes";

/** Parsing asks for the help text instead of a run. */
export const HELP = Symbol("help");

export interface CliProgram<O> {
  /** How error lines start, e.g. "verify". */
  readonly name: string;
  /** The help text; its first line is the usage line repeated under a usage error. */
  readonly help: string;
  /** The code of an error no other code describes (verify: `verifyFailed`). */
  readonly failure: ExitCodeValue;
  /** Throws a UsageError listing every problem. */
  parse(argv: readonly string[]): O | typeof HELP;
  run(options: O): Promise<ExitCodeValue>;
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

/** Runs a program on argv and returns its exit code; writes to this process's stdout/stderr. */
export async function runCli<O>(
  program: CliProgram<O>,
  argv: readonly string[],
): Promise<ExitCodeValue> {
  try {
    const options = program.parse(argv);
    if (options === HELP) {
      process.stdout.write(program.help.endsWith("\n") ? program.help : `${program.help}\n`);
      return ExitCode.ok;
    }
    return await program.run(options);
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

/** Runs a program as the process's main module. */
export function mainOf<O>(program: CliProgram<O>): void {
  runCli(program, process.argv.slice(2)).then(finish, (error: unknown) => {
    // Only a bug gets here: runCli maps every error it catches.
    process.stderr.write(`${program.name}: ${messageOf(error)}\n`);
    finish(ExitCode.internal);
  });
}
