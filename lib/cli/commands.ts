/**
 * Every command line of the project, one entry each: the file it runs, the npm scripts that run
 * it (with their fixed arguments) and the exit codes its `--help` lists. package.json's scripts
 * and the CLI test table are checked against this list (tests/fast/cli-commands.test.ts,
 * tests/integration/cli-table.test.ts). Adding a command: `cli/<name>.ts`, an entry here, and
 * its package.json script.
 */
import { ExitCode, ExitCodeName } from "./exitCodes";

export interface CommandLine {
  /** The script, relative to the project root. */
  readonly file: string;
  /** npm script name -> the arguments it adds (`drill:local` adds `--local`). */
  readonly scripts: Readonly<Record<string, string>>;
  /** The codes its `--help` lists; the benchmarks list theirs in bench/. */
  readonly exitCodes?: readonly ExitCodeName[];
}

/** What an interrupt exits with (lib/cli/interrupts.ts): every command can get one. */
const INTERRUPTED: readonly ExitCodeName[] = ["interrupted", "terminated", "hungUp"];

export const COMMAND_LINES = {
  automation: {
    file: "cli/automation.ts",
    scripts: { automation: "" },
    // Every code but the audit CLI's own "no match": the driver audits destroyed stacks.
    exitCodes: (Object.keys(ExitCode) as ExitCodeName[]).filter((name) => name !== "auditNoMatch"),
  },
  verify: {
    file: "cli/verify.ts",
    scripts: { verify: "" },
    exitCodes: ["ok", "usage", "toolMissing", "verifyFailed", "redisUnreachable", ...INTERRUPTED],
  },
  drill: {
    file: "cli/drill.ts",
    scripts: { drill: "", "drill:local": "--local" },
    exitCodes: ["ok", "usage", "toolMissing", "drillFailed", "redisUnreachable", ...INTERRUPTED],
  },
  audit: {
    file: "cli/audit.ts",
    scripts: { audit: "" },
    exitCodes: ["ok", "usage", "leftovers", "auditFailed", "auditNoMatch", ...INTERRUPTED],
  },
  // Run by Helm through the executable cli/helm-postrender, not by npm.
  "helm-postrender": {
    file: "cli/helmPostrender.ts",
    scripts: {},
    exitCodes: ["ok", "internal", "usage", ...INTERRUPTED],
  },
  "bench:failover": { file: "bench/failover.ts", scripts: { "bench:failover": "" } },
  "bench:e2e": { file: "bench/e2e.ts", scripts: { "bench:e2e": "" } },
} as const satisfies Readonly<Record<string, CommandLine>>;

export type CommandLineName = keyof typeof COMMAND_LINES;
