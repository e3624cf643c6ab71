/**
 * The machinery every workflow of the driver runs on: the options of a run, the step recorder
 * (`Run`: timing, outcome and exit code of each step, logged as it goes) and the report it
 * produces, and the steps several workflows share. A workflow never throws for a failed step:
 * it records the step and returns a `RunReport` whose `exitCode` the CLI exits with.
 */
import {
  OUTPUT_CONTRACT,
  RedisOutputName,
  RedisStackOutputs,
  parseStackOutputs,
} from "../contract";
import { ExitCode, ExitCodeValue } from "../cli/exitCodes";
import type { Command } from "./driverCommands";
import { CheckFailedError, LeftoversError, StepName, exitCodeFor, runExitCode } from "./failures";
import type {
  AuditScope,
  ChangeCounts,
  CheckResult,
  ConfigOverride,
  DriverPorts,
  EngineListener,
  StackOutputMap,
  StackSession,
} from "./driverPorts";
import { OperationKind, formatElapsed, formatEngineEvent } from "./progress";
import { AWS_REGION_CONFIG_KEY, REGION_CONFIG_KEY } from "./stackConfig";

export interface DriverOptions {
  readonly command: Command;
  /** The stack; for `ephemeral`, the prefix of the unique name. */
  readonly stack?: string;
  readonly region?: string;
  /** `--region` first (as `andyredis:region`), then `--config` and `--secret` in command-line order. */
  readonly config: readonly ConfigOverride[];
  /** Where to write the JSON summary for CI. */
  readonly jsonFile?: string;
  /** `passphrase` unless given (e.g. `awskms://...`). */
  readonly secretsProvider: string;
  /** `ephemeral`: the unique suffix (e.g. a CI run id) instead of time and randomness. */
  readonly runId?: string;
  /** Drill scenarios to run; empty means the drill's default set. */
  readonly scenarios: readonly string[];
  readonly skipDrill: boolean;
  /** `audit`: the tag value to audit, without reading a stack. */
  readonly stackTag?: string;
  /** `destroy`: remove the stack (and its config file) after a clean destroy and audit. */
  readonly remove: boolean;
  /** `outputs`: print secret values. */
  readonly showSecrets: boolean;
  /** Stream the Pulumi CLI's own text instead of one line per resource. */
  readonly raw: boolean;
}

/** Longest stack name Pulumi accepts. */
export const MAX_STACK_NAME = 100;

export type StepStatus = "ok" | "failed" | "skipped";

export interface StepReport {
  readonly step: StepName;
  readonly status: StepStatus;
  readonly durationSeconds: number;
  /** The code this step's failure maps to; 0 unless failed. */
  readonly exitCode: ExitCodeValue;
  readonly message?: string;
  readonly details?: unknown;
}

/** The summary of a run: what the CLI prints last and writes with `--json`. */
export interface RunReport {
  readonly command: Command;
  readonly stack?: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly exitCode: ExitCodeValue;
  readonly steps: readonly StepReport[];
  /** Stack outputs with every secret replaced by "[secret]". */
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly changes?: Readonly<Partial<Record<"preview" | "up" | "destroy", ChangeCounts>>>;
  readonly leftovers?: readonly string[];
  readonly notes: readonly string[];
}

/** What a secret is replaced with in logs and summaries. */
export const REDACTED = "[secret]";

/** The longest error message kept in the summary; Pulumi's include the whole engine output. */
const MAX_MESSAGE = 4000;

export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // The end of a CommandError's text holds the engine's actual error.
  return text.length > MAX_MESSAGE ? `...${text.slice(-MAX_MESSAGE)}` : text;
}

/** Outputs for printing: secrets (flagged by Pulumi, or secret in the contract) redacted. */
export function redactOutputs(
  outputs: StackOutputMap,
  showSecrets = false,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, { value, secret }] of Object.entries(outputs)) {
    const contractSecret =
      Object.prototype.hasOwnProperty.call(OUTPUT_CONTRACT, name) &&
      OUTPUT_CONTRACT[name as RedisOutputName].secret;
    result[name] = (secret || contractSecret) && !showSecrets ? REDACTED : value;
  }
  return result;
}

/** The plain values of an output map. */
export function plainOutputs(outputs: StackOutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}

/** Records steps, their timing and their outcome, and logs them as they run. */
export class Run {
  readonly steps: StepReport[] = [];
  readonly notes: string[] = [];
  readonly changes: Partial<Record<"preview" | "up" | "destroy", ChangeCounts>> = {};
  outputs?: Record<string, unknown>;
  leftovers?: readonly string[];
  stack?: string;
  private readonly started: number;

  constructor(
    private readonly ports: DriverPorts,
    private readonly command: Command,
  ) {
    this.started = ports.now();
  }

  /** Runs one step; returns its value, or undefined after recording its failure. */
  async step<T>(step: StepName, fn: () => Promise<T>): Promise<{ ok: true; value: T } | undefined> {
    const start = this.ports.now();
    this.ports.log(`==> ${step}${this.stack !== undefined ? ` (stack ${this.stack})` : ""}`);
    try {
      const value = await fn();
      const durationSeconds = (this.ports.now() - start) / 1000;
      this.steps.push({ step, status: "ok", durationSeconds, exitCode: ExitCode.ok });
      this.ports.log(`<== ${step} ok (${formatElapsed(durationSeconds)})`);
      return { ok: true, value };
    } catch (error) {
      const durationSeconds = (this.ports.now() - start) / 1000;
      const exitCode = exitCodeFor(error, step);
      const message = messageOf(error);
      this.steps.push({ step, status: "failed", durationSeconds, exitCode, message });
      this.ports.log(
        `<== ${step} FAILED (${formatElapsed(durationSeconds)}, exit code ${exitCode}): ` +
          (error instanceof Error ? error.message : String(error)),
      );
      return undefined;
    }
  }

  /** Records a step that failed before it could start (no name, no region, ...). */
  async fail(step: StepName, error: unknown): Promise<void> {
    await this.step(step, () => Promise.reject(error));
  }

  /** Attaches details to the last recorded step (e.g. the verify report). */
  detail(details: unknown): void {
    const last = this.steps.pop();
    if (last !== undefined) this.steps.push({ ...last, details });
  }

  skip(step: StepName, reason: string): void {
    this.steps.push({
      step,
      status: "skipped",
      durationSeconds: 0,
      exitCode: ExitCode.ok,
      message: reason,
    });
    this.ports.log(`--- ${step} skipped: ${reason}`);
  }

  note(text: string): void {
    this.notes.push(text);
    this.ports.log(`NOTE: ${text}`);
  }

  log(line: string): void {
    this.ports.log(line);
  }

  /** Whether `step` has failed in this run. */
  failed(step: StepName): boolean {
    return this.steps.some((s) => s.step === step && s.status === "failed");
  }

  report(): RunReport {
    const failures = this.steps.filter((s) => s.status === "failed");
    return {
      command: this.command,
      stack: this.stack,
      startedAt: new Date(this.started).toISOString(),
      durationSeconds: (this.ports.now() - this.started) / 1000,
      exitCode: runExitCode(failures),
      steps: [...this.steps],
      outputs: this.outputs,
      changes: Object.keys(this.changes).length > 0 ? { ...this.changes } : undefined,
      leftovers: this.leftovers,
      notes: [...this.notes],
    };
  }
}

/** A listener printing engine progress through `ports.log`, timed from its creation. */
export function progressListener(
  ports: DriverPorts,
  kind: OperationKind,
  raw: boolean,
): EngineListener {
  const start = ports.now();
  if (raw) {
    // Pulumi's own text arrives in chunks that already end in newlines.
    return { onOutput: (text) => ports.log(text.replace(/\n$/, "")) };
  }
  return {
    onEvent: (event) => {
      const line = formatEngineEvent(event, (ports.now() - start) / 1000, kind);
      if (line !== undefined) ports.log(line);
    },
  };
}

export function isInterrupted(ports: DriverPorts): boolean {
  return ports.interrupted?.() === true;
}

export async function applyConfig(
  run: Run,
  session: StackSession,
  options: DriverOptions,
): Promise<boolean> {
  if (options.config.length === 0) return true;
  const result = await run.step("config", () => session.setConfig(options.config));
  return result !== undefined;
}

/** Reads the outputs, records them (redacted), and checks them against the contract. */
export async function readOutputs(
  run: Run,
  session: StackSession,
): Promise<{ raw: StackOutputMap; parsed?: RedisStackOutputs } | undefined> {
  const read = await run.step("outputs", () => session.outputs());
  if (read === undefined) return undefined;
  run.outputs = redactOutputs(read.value);
  const parsed = await run.step("contract", async () =>
    parseStackOutputs(session.name, plainOutputs(read.value)),
  );
  return { raw: read.value, parsed: parsed?.value };
}

export async function runCheck(
  run: Run,
  step: "verify" | "drill",
  check: () => Promise<CheckResult>,
): Promise<boolean> {
  let details: unknown;
  const result = await run.step(step, async () => {
    const outcome = await check();
    details = outcome.details;
    if (!outcome.ok) {
      for (const failure of outcome.failures ?? []) run.log(`  failed: ${failure}`);
      throw new CheckFailedError(`${step} failed: ${outcome.summary}`);
    }
    return outcome;
  });
  if (details !== undefined) run.detail(details);
  if (result !== undefined) run.notes.push(`${step}: ${result.value.summary}`);
  return result !== undefined;
}

/** The cluster name from the outputs (aws mode), so the audit also finds what Kubernetes made. */
export function clusterNameOf(outputs: StackOutputMap | undefined): string | undefined {
  const name = outputs?.clusterName?.value;
  return typeof name === "string" && name !== "" ? name : undefined;
}

export async function stackTagOf(
  outputs: StackOutputMap | undefined,
  session: StackSession,
): Promise<string> {
  const fromOutputs = outputs?.stackTag?.value;
  if (typeof fromOutputs === "string" && fromOutputs !== "") return fromOutputs;
  return session.fallbackStackTag();
}

/** Runs the audit step; a found leftover is a failure (exit code 15). */
export async function audit(
  run: Run,
  ports: DriverPorts,
  scope: Omit<AuditScope, "region"> & { region: string | undefined },
): Promise<void> {
  // `kept` holds only the flags that are set, so a scope never carries `undefined` fields.
  const { region, stackTag, clusterName, ...kept } = scope;
  if (region === undefined) {
    run.skip(
      "audit",
      `no region known for tag ${stackTag} (no "region" output, ${REGION_CONFIG_KEY} or ` +
        `${AWS_REGION_CONFIG_KEY}); audit it with \`audit --stack-tag ... --region ...\``,
    );
    return;
  }
  let details: unknown;
  const result = await run.step("audit", async () => {
    ports.log(`auditing ${region} for resources tagged ${stackTag}`);
    const outcome = await ports.checks.audit({
      region,
      stackTag,
      ...(clusterName === undefined ? {} : { clusterName }),
      ...kept,
    });
    details = outcome.details;
    run.leftovers = [...outcome.leftovers];
    if (outcome.leftovers.length > 0) throw new LeftoversError(outcome.leftovers);
    return outcome;
  });
  if (details !== undefined) run.detail(details);
  if (result !== undefined) ports.log(`no resources tagged ${stackTag} are left`);
}

export function requireStack(options: DriverOptions): string {
  if (options.stack === undefined) {
    // parseCommandLine rejects this; reaching here is a bug in a caller.
    throw new Error(`${options.command} needs a stack name`);
  }
  return options.stack;
}
