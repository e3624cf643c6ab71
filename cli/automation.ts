/**
 * `npm run automation -- <command> [options]`: the Automation API driver's command line.
 *
 * A thin shell: parse flags, check the environment (Pulumi CLI, passphrase), build the real
 * ports, run the workflow from lib/automation/workflow.ts, print and write its summary, and exit
 * with its code. Errors are mapped to exit codes by `exitCodeFor` (instanceof checks on the
 * Automation API's and the driver's error classes); nothing that failed exits 0.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { checkPassphrase, findPulumiCli, resolveBackend } from "../lib/automation/environment";
import { ExitCode, ExitCodeValue, exitCodeFor } from "../lib/automation/errors";
import { HELP, mainOf } from "../lib/cli";
import { DriverOptions, USAGE, parseCommandLine } from "../lib/automation/options";
import { formatElapsed } from "../lib/automation/progress";
import { RunReport, runCommand } from "../lib/automation/workflow";
import { nodeFileProbe, realPorts } from "./automationSteps";

/** The Pulumi project this driver runs: the repository root, one level above cli/. */
const PROJECT_DIR = path.resolve(__dirname, "..");

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function writeSummary(file: string | undefined, report: RunReport): void {
  if (file === undefined) return;
  // Secrets never reach the report: outputs are redacted and check details carry none.
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`summary written to ${file}`);
}

function printReport(report: RunReport): void {
  log("");
  log(`${report.command}${report.stack !== undefined ? ` ${report.stack}` : ""}: summary`);
  for (const step of report.steps) {
    const status = step.status === "failed" ? `FAILED (exit code ${step.exitCode})` : step.status;
    const reason =
      step.status === "skipped" && step.message !== undefined ? `: ${step.message}` : "";
    log(`  ${step.step.padEnd(9)} ${status} ${formatElapsed(step.durationSeconds)}${reason}`);
  }
  for (const leftover of report.leftovers ?? []) log(`  leftover: ${leftover}`);
  log(`exit code ${report.exitCode} after ${formatElapsed(report.durationSeconds)}`);
}

/** A summary for a run that stopped before any step (preflight), so CI still gets its file. */
function preflightReport(
  options: DriverOptions,
  exitCode: ExitCodeValue,
  message: string,
): RunReport {
  return {
    command: options.command,
    stack: options.stack,
    startedAt: new Date().toISOString(),
    durationSeconds: 0,
    exitCode,
    steps: [],
    notes: [message],
  };
}

/** Whether the command touches a stack (and so needs the Pulumi CLI and the passphrase). */
function needsStack(options: DriverOptions): boolean {
  return !(options.command === "audit" && options.stackTag !== undefined);
}

async function run(options: DriverOptions): Promise<ExitCodeValue> {
  if (needsStack(options)) {
    try {
      // Before any LocalWorkspace call: without the CLI they fail with a bare spawn ENOENT.
      findPulumiCli(process.env, nodeFileProbe);
      checkPassphrase(process.env, options.secretsProvider, nodeFileProbe);
    } catch (error) {
      const code = exitCodeFor(error);
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${message}\n`);
      writeSummary(options.jsonFile, preflightReport(options, code, message));
      return code;
    }
  }
  const backend = resolveBackend(process.env, PROJECT_DIR);
  log(
    `backend: ${backend.url}${backend.local ? " (local; set PULUMI_BACKEND_URL to change)" : ""}`,
  );

  // First Ctrl-C (or CI cancel): stop the running preview/up; `ephemeral` still destroys.
  // A second one exits at once, leaving cleanup to `destroy`.
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    if (interrupts === 1) {
      log(
        "interrupted: cancelling the current operation; cleanup still runs (Ctrl-C again to quit)",
      );
      controller.abort();
      return;
    }
    process.stderr.write("interrupted twice: exiting without cleanup; run `destroy` later\n");
    process.exit(ExitCode.interrupted);
  });

  const ports = realPorts({
    projectDir: PROJECT_DIR,
    backend,
    secretsProvider: options.secretsProvider,
    signal: controller.signal,
    log,
    interrupted: () => interrupts > 0,
  });
  const report = await runCommand(ports, options);
  printReport(report);
  writeSummary(options.jsonFile, report);
  return report.exitCode;
}

mainOf({
  name: "automation",
  help: USAGE,
  failure: ExitCode.internal,
  parse: (argv) => {
    const parsed = parseCommandLine(argv, {
      env: process.env,
      readFile: (file) => fs.readFileSync(file, "utf8"),
    });
    return parsed.kind === "help" ? HELP : parsed.options;
  },
  run,
  // Only bugs get here: every expected failure is a step in the report.
  exitCodeFor: (error) => exitCodeFor(error),
});
