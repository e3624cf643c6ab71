/** The errors every command line maps the same way, whatever command threw them. */
import { ExitCode, ExitCodeValue } from "./exitCodes";

/** A bad command line or input file; the message has one line per problem. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A tool the command needs is not installed (Pulumi CLI, Redis binaries, a Kubernetes client). Exit code 3. */
export class ToolMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolMissingError";
  }
}

/**
 * The exit code of the errors that mean the same in every command, or undefined for the others.
 * `RedisUnreachableError` is matched by name so that this module stays free of Redis imports.
 */
export function commonExitCode(error: unknown): ExitCodeValue | undefined {
  if (error instanceof UsageError) return ExitCode.usage;
  if (error instanceof ToolMissingError) return ExitCode.toolMissing;
  if (error instanceof Error && error.name === "RedisUnreachableError") {
    return ExitCode.redisUnreachable;
  }
  return undefined;
}
