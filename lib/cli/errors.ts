/** The errors every command line maps the same way, whatever command threw them. */
import * as fs from "node:fs";

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

/**
 * Reads an input file named by a flag. A file that cannot be read is a usage error naming the
 * flag and the file, not a raw ENOENT.
 */
export function readInputFile(flag: string, file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory"
          : code === "EACCES"
            ? "permission denied"
            : "cannot be read";
    throw new UsageError(`${flag}: "${file}": ${why}`);
  }
}

/** Reads a JSON input file named by a flag; unreadable or malformed JSON is a usage error. */
export function readJsonInputFile(flag: string, file: string): unknown {
  const text = readInputFile(flag, file);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(
      `${flag}: "${file}" is not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
