/** Input files named by a flag (`--outputs`, `--kubeconfig`): read, or a usage error naming both. */
import * as fs from "node:fs";

import { UsageError } from "../errors";

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
