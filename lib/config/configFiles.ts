/**
 * The files the config check reads, as a port: a local chart (`redisChart`) and a kubeconfig
 * path (`kubeconfig`) are checked before anything is created, yet the parser stays pure.
 * `io/localFiles.ts` implements it on the file system; tests may hand in their own.
 */
export interface ConfigFiles {
  /**
   * The absolute path of a path the user gave: `~/` is the home directory, and a relative path
   * starts at the project directory (where `pulumi` runs the program).
   */
  resolve(file: string): string;
  /** What is at an absolute path: "file", "directory", or undefined when nothing is. */
  kind(file: string): "file" | "directory" | undefined;
  /** The text of a file; throws when it cannot be read. */
  readText(file: string): string;
  /**
   * The text of the first entry of a .tgz archive whose path `matches`, or undefined when none
   * does; throws when the file is not an archive.
   */
  readArchiveEntry(file: string, matches: (entryPath: string) => boolean): string | undefined;
}
