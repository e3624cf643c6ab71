/**
 * The driver's commands, one entry each: the workflow it runs and its line in `--help`.
 * Adding a command is one workflow file under workflows/ and one entry here; the parser
 * (cli/automation.ts) and the help text take the list from this table.
 */
import type { DriverPorts } from "./driverPorts";
import type { DriverOptions, RunReport } from "./run";
import { runAudit } from "./workflows/auditWorkflow";
import { runDrill, runVerify } from "./workflows/checkWorkflow";
import { runDestroy } from "./workflows/destroyWorkflow";
import { runEphemeral } from "./workflows/ephemeralWorkflow";
import { runOutputs } from "./workflows/outputsWorkflow";
import { runPreview } from "./workflows/previewWorkflow";
import { runUp } from "./workflows/upWorkflow";

export interface DriverCommand {
  /** The help text's description, one string per line. */
  readonly summary: readonly string[];
  readonly workflow: (ports: DriverPorts, options: DriverOptions) => Promise<RunReport>;
}

export const DRIVER_COMMANDS = {
  preview: { summary: ["show what `up` would change"], workflow: runPreview },
  up: {
    summary: ["create or update the stack, then check its outputs against the contract"],
    workflow: runUp,
  },
  outputs: {
    summary: ["print the stack outputs (secrets masked unless --show-secrets)"],
    workflow: runOutputs,
  },
  verify: {
    summary: ["check the running Redis/Sentinel deployment of the stack"],
    workflow: runVerify,
  },
  drill: { summary: ["run failover drills against the stack's deployment"], workflow: runDrill },
  destroy: {
    summary: ["destroy the stack (running the program), then audit for leftovers"],
    workflow: runDestroy,
  },
  audit: { summary: ["look for AWS resources still tagged for the stack"], workflow: runAudit },
  ephemeral: {
    summary: [
      "create a uniquely named stack, up, verify, drill, then ALWAYS destroy,",
      "audit and remove the stack, even when a step failed",
    ],
    workflow: runEphemeral,
  },
} as const satisfies Readonly<Record<string, DriverCommand>>;

export type Command = keyof typeof DRIVER_COMMANDS;

/** The commands in help order. */
export const COMMANDS = Object.keys(DRIVER_COMMANDS) as readonly Command[];

export function isCommand(value: string): value is Command {
  return Object.prototype.hasOwnProperty.call(DRIVER_COMMANDS, value);
}

/** Runs the command's workflow. */
export function runCommand(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  return DRIVER_COMMANDS[options.command].workflow(ports, options);
}
