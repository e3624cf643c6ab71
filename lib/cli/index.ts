/** The one command-line shell: flag parser, usage error, exit codes. */
export * from "./args";
export * from "./errors";
export * from "./exitCodes";
export * from "./shell";
