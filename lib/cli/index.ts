/** The one command-line shell: flag parser, usage error, exit codes, interrupt policy, output. */
export * from "./args";
export * from "./commands";
export * from "./errors";
export * from "./exitCodes";
export * from "./interrupts";
export * from "./shell";
