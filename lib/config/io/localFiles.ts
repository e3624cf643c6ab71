/** `ConfigFiles` on the local file system: what the program and the tests check config with. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tar from "tar";
import type { ConfigFiles } from "../configFiles";

/** The text of the first entry of a .tgz archive whose path `matches`, or undefined. */
export function readArchiveEntry(
  file: string,
  matches: (entryPath: string) => boolean,
): string | undefined {
  let text: string | undefined;
  // tar's synchronous listing streams each entry's data before it returns.
  tar.t({
    file,
    sync: true,
    onReadEntry: (entry) => {
      if (text === undefined && matches(entry.path)) {
        const chunks: Buffer[] = [];
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        entry.on("end", () => {
          text = Buffer.concat(chunks).toString("utf8");
        });
      } else {
        entry.resume();
      }
    },
  });
  return text;
}

/** The files under `baseDir` (the project directory; defaults to the working directory). */
export function localFiles(baseDir: string = process.cwd()): ConfigFiles {
  return {
    resolve: (file) =>
      path.resolve(baseDir, file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : file),
    kind: (file) => {
      try {
        return fs.statSync(file).isDirectory() ? "directory" : "file";
      } catch {
        return undefined;
      }
    },
    readText: (file) => fs.readFileSync(file, "utf8"),
    readArchiveEntry,
  };
}
