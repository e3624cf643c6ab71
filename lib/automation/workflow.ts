/**
 * The driver's workflows: which steps each command runs, in which order, what is skipped after
 * a failure, and what always runs (destroy, audit and remove in `ephemeral`).
 *
 * Everything with side effects is behind `DriverPorts` (a narrow interface over the Automation
 * API workspace and the verify/drill/audit checks), so the logic here runs in tests with fakes;
 * `cli/automationSteps.ts` provides the real ports. A workflow never throws for a failed step:
 * it records the step and returns a `RunReport` whose `exitCode` the CLI exits with.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

import {
  DeploymentTarget,
  OUTPUT_CONTRACT,
  RedisOutputName,
  RedisStackOutputs,
  deploymentTarget,
  parseStackOutputs,
} from "../contract";
import {
  CheckFailedError,
  ExitCode,
  ExitCodeValue,
  LeftoversError,
  StepName,
  exitCodeFor,
  runExitCode,
} from "./errors";
import {
  AWS_REGION_CONFIG_KEY,
  MODE_CONFIG_KEY,
  VOLUME_CLEANUP_MODE_CONFIG_KEY,
  ConfigOverride,
  DriverOptions,
  REGION_CONFIG_KEY,
  ephemeralStackName,
} from "./options";
import { OperationKind, formatElapsed, formatEngineEvent } from "./progress";
import { stackRegion } from "../config/keys";

/** Receives the engine's progress while an operation runs. */
export interface EngineListener {
  onEvent?(event: EngineEvent): void;
  onOutput?(text: string): void;
}

/** Resource counts by operation (`create`, `update`, `same`, ...). */
export type ChangeCounts = Readonly<Record<string, number>>;

export interface StackOutputValue {
  readonly value: unknown;
  readonly secret: boolean;
}
export type StackOutputMap = Readonly<Record<string, StackOutputValue>>;

/** One stack, as much of it as the workflows need. */
export interface StackSession {
  readonly name: string;
  setConfig(values: readonly ConfigOverride[]): Promise<void>;
  getConfig(key: string): Promise<string | undefined>;
  preview(listener: EngineListener): Promise<ChangeCounts>;
  up(listener: EngineListener): Promise<ChangeCounts>;
  /** Secret values in plain text, flagged `secret`. */
  outputs(): Promise<StackOutputMap>;
  /** Destroys with the program running (`runProgram: true`), so providers get their config. */
  destroy(listener: EngineListener): Promise<ChangeCounts>;
  /** Removes the (empty) stack and its `Pulumi.<stack>.yaml`. */
  remove(): Promise<void>;
  /**
   * The stack tag the program computes (`<org>/<project>/<stack>/<id>`, the id read from the
   * stack's state), for when the outputs that carry it are gone (an `up` that failed before
   * exporting them); the name alone when the state holds no id yet.
   */
  fallbackStackTag(): Promise<string>;
}

export interface StackProvider {
  /** An existing stack; StackNotFoundError otherwise. */
  select(name: string): Promise<StackSession>;
  createOrSelect(name: string): Promise<StackSession>;
  /** A new stack; StackAlreadyExistsError if the name is taken. */
  create(name: string): Promise<StackSession>;
}

/** What verify and drill need: `deploymentTarget` of the stack's outputs. */
export type VerifyTarget = DeploymentTarget;

export interface CheckResult {
  readonly ok: boolean;
  /** One line for the log. */
  readonly summary: string;
  /** One line per failed check, printed under the summary; none when `ok`. */
  readonly failures?: readonly string[];
  /** Anything JSON-serializable for the summary file; must not contain secrets. */
  readonly details?: unknown;
}

export interface AuditScope {
  readonly region: string;
  readonly stackTag: string;
  /** Also look for what Kubernetes created for the cluster (load balancers, security groups). */
  readonly clusterName?: string;
  /** The stack's `volumeCleanupMode` is `snapshot`: its snapshots are kept on purpose. */
  readonly expectSnapshots?: boolean;
  /** The stack's `volumeCleanupMode` is `retain`: its volumes are kept on purpose. */
  readonly expectRetained?: boolean;
}

export interface AuditResult {
  /** One description per resource still tagged for the stack. */
  readonly leftovers: readonly string[];
  readonly details?: unknown;
}

export interface Checks {
  verify(target: VerifyTarget): Promise<CheckResult>;
  drill(target: VerifyTarget, scenarios: readonly string[]): Promise<CheckResult>;
  audit(scope: AuditScope): Promise<AuditResult>;
}

export interface DriverPorts {
  readonly stacks: StackProvider;
  readonly checks: Checks;
  /** Prints one line for the operator. */
  log(line: string): void;
  /** Milliseconds since the epoch. */
  now(): number;
  /** In [0, 1): for unique stack names. */
  random(): number;
  /** The region to audit when neither the outputs nor the config name one (the program's). */
  readonly defaultRegion?: string;
  /** True after the operator asked to stop (SIGINT): skip what is left but still clean up. */
  interrupted?(): boolean;
}

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
  readonly command: DriverOptions["command"];
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

function messageOf(error: unknown): string {
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
class Run {
  readonly steps: StepReport[] = [];
  readonly notes: string[] = [];
  readonly changes: Partial<Record<"preview" | "up" | "destroy", ChangeCounts>> = {};
  outputs?: Record<string, unknown>;
  leftovers?: readonly string[];
  stack?: string;
  private readonly started: number;

  constructor(
    private readonly ports: DriverPorts,
    private readonly command: DriverOptions["command"],
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

function isInterrupted(ports: DriverPorts): boolean {
  return ports.interrupted?.() === true;
}

async function applyConfig(
  run: Run,
  session: StackSession,
  options: DriverOptions,
): Promise<boolean> {
  if (options.config.length === 0) return true;
  const result = await run.step("config", () => session.setConfig(options.config));
  return result !== undefined;
}

/** Reads the outputs, records them (redacted), and checks them against the contract. */
async function readOutputs(
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

async function runCheck(
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

/**
 * Where to audit: the outputs' region, else the region the program picks from the same config
 * (`stackRegion`: `andyredis:region`, then `aws:region`, overrides first, then the stack
 * config; then the key table's default).
 */
async function auditRegion(
  options: DriverOptions,
  outputs: StackOutputMap | undefined,
  session: StackSession | undefined,
): Promise<string | undefined> {
  const fromOutputs = outputs?.region?.value;
  if (typeof fromOutputs === "string" && fromOutputs !== "") return fromOutputs;
  return stackRegion(
    await configValue(options, session, REGION_CONFIG_KEY),
    await configValue(options, session, AWS_REGION_CONFIG_KEY),
  );
}

/** A config value: the command line's override first, then the stack's config. */
async function configValue(
  options: DriverOptions,
  session: StackSession | undefined,
  key: string,
): Promise<string | undefined> {
  const override = options.config.find((c) => c.key === key)?.value;
  if (override !== undefined && override !== "") return override;
  if (session === undefined) return undefined;
  try {
    const configured = await session.getConfig(key);
    return configured !== undefined && configured !== "" ? configured : undefined;
  } catch {
    // `pulumi config get` fails for a key that is not set.
    return undefined;
  }
}

/**
 * What the stack's `volumeCleanupMode` keeps on purpose (snapshots, or the volumes themselves),
 * so that the audit after destroy reports it as kept rather than as a leftover.
 */
async function keptOnPurpose(
  options: DriverOptions,
  session: StackSession,
): Promise<Pick<AuditScope, "expectSnapshots" | "expectRetained">> {
  const mode = await configValue(options, session, VOLUME_CLEANUP_MODE_CONFIG_KEY);
  if (mode === "snapshot") return { expectSnapshots: true };
  if (mode === "retain") return { expectRetained: true };
  return {};
}

/** The cluster name from the outputs (aws mode), so the audit also finds what Kubernetes made. */
function clusterNameOf(outputs: StackOutputMap | undefined): string | undefined {
  const name = outputs?.clusterName?.value;
  return typeof name === "string" && name !== "" ? name : undefined;
}

async function stackTagOf(
  outputs: StackOutputMap | undefined,
  session: StackSession,
): Promise<string> {
  const fromOutputs = outputs?.stackTag?.value;
  if (typeof fromOutputs === "string" && fromOutputs !== "") return fromOutputs;
  return session.fallbackStackTag();
}

/** Runs the audit step; a found leftover is a failure (exit code 15). */
async function audit(
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

export async function runPreview(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "preview");
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.createOrSelect(run.stack ?? ""));
  if (session !== undefined && (await applyConfig(run, session.value, options))) {
    const listener = progressListener(ports, "preview", options.raw);
    const changes = await run.step("preview", () => session.value.preview(listener));
    if (changes !== undefined) run.changes.preview = changes.value;
  }
  return run.report();
}

export async function runUp(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "up");
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.createOrSelect(run.stack ?? ""));
  if (session !== undefined && (await applyConfig(run, session.value, options))) {
    const listener = progressListener(ports, "update", options.raw);
    const changes = await run.step("up", () => session.value.up(listener));
    if (changes !== undefined) {
      run.changes.up = changes.value;
      // Consumers read these outputs: a stack that breaks the contract must not pass CI.
      await readOutputs(run, session.value);
    }
  }
  return run.report();
}

export async function runOutputs(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "outputs");
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.select(run.stack ?? ""));
  if (session !== undefined) {
    const outputs = await readOutputs(run, session.value);
    if (outputs !== undefined) {
      const shown = redactOutputs(outputs.raw, options.showSecrets);
      for (const [name, value] of Object.entries(shown)) {
        ports.log(`${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
      }
    }
  }
  return run.report();
}

async function runCheckCommand(
  ports: DriverPorts,
  options: DriverOptions,
  step: "verify" | "drill",
): Promise<RunReport> {
  const run = new Run(ports, step);
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.select(run.stack ?? ""));
  if (session === undefined) return run.report();
  const outputs = await readOutputs(run, session.value);
  if (outputs?.parsed === undefined) {
    run.skip(step, "the stack outputs are unreadable or break the contract");
    return run.report();
  }
  const target = deploymentTarget(outputs.parsed);
  await runCheck(run, step, () =>
    step === "verify" ? ports.checks.verify(target) : ports.checks.drill(target, options.scenarios),
  );
  return run.report();
}

export function runVerify(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  return runCheckCommand(ports, options, "verify");
}

export function runDrill(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  return runCheckCommand(ports, options, "drill");
}

/**
 * Destroy, then audit, then (with --remove) remove. The outputs are read first, because the
 * audit needs the stack tag and region and they are gone once the stack is destroyed.
 */
async function destroyAndAudit(
  run: Run,
  ports: DriverPorts,
  options: DriverOptions,
  session: StackSession,
  outputs: StackOutputMap | undefined,
  remove: boolean,
): Promise<void> {
  const region = await auditRegion(options, outputs, session);
  let stackTag: string | undefined;
  try {
    stackTag = await stackTagOf(outputs, session);
  } catch (error) {
    run.note(`cannot determine the stack tag, so the audit will be skipped: ${messageOf(error)}`);
  }
  const listener = progressListener(ports, "update", options.raw);
  const destroyed = await run.step("destroy", () => session.destroy(listener));
  if (destroyed === undefined) {
    run.skip("audit", "destroy failed; the stack still holds resources");
    if (remove) run.skip("remove", "destroy failed; the stack is kept so destroy can be retried");
    run.note(
      `stack ${session.name} was kept: retry with ` +
        `\`npm run automation -- destroy --stack ${session.name} --remove\``,
    );
    return;
  }
  run.changes.destroy = destroyed.value;
  if (await createdNoAwsResources(options, session, outputs)) {
    run.skip("audit", "a clusterOnly stack creates no AWS resource; there is nothing to audit");
  } else if (stackTag === undefined) {
    run.skip("audit", "the stack tag is unknown");
  } else {
    const kept = await keptOnPurpose(options, session);
    await audit(run, ports, { region, stackTag, clusterName: clusterNameOf(outputs), ...kept });
  }
  if (remove) {
    if (run.failed("audit")) {
      // The stack is the only record of what this run deployed: keep it until someone has
      // looked at what the audit found (or why it could not run).
      run.skip("remove", "the audit failed; the stack is kept until its leftovers are resolved");
      run.note(
        `stack ${session.name} was kept: after resolving the audit, remove it with ` +
          `\`npm run automation -- destroy --stack ${session.name} --remove\``,
      );
    } else {
      // The state is empty after a successful destroy, so removing loses nothing.
      await run.step("remove", () => session.remove());
    }
  }
}

/**
 * True for a clusterOnly stack, which creates no AWS resource: from the `deploymentMode`
 * output, else from `andyredis:mode` (an `up` that failed early has no outputs).
 */
async function createdNoAwsResources(
  options: DriverOptions,
  session: StackSession,
  outputs: StackOutputMap | undefined,
): Promise<boolean> {
  const fromOutputs = outputs?.deploymentMode?.value;
  const mode =
    typeof fromOutputs === "string"
      ? fromOutputs
      : await configValue(options, session, MODE_CONFIG_KEY);
  return mode === "clusterOnly";
}

export async function runDestroy(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "destroy");
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.select(run.stack ?? ""));
  if (session === undefined) return run.report();
  if (!(await applyConfig(run, session.value, options))) return run.report();
  // Outputs are only needed for the audit scope; a stack without them is still destroyed.
  let outputs: StackOutputMap | undefined;
  try {
    outputs = await session.value.outputs();
  } catch (error) {
    run.note(`could not read outputs before destroy: ${messageOf(error)}`);
  }
  await destroyAndAudit(run, ports, options, session.value, outputs, options.remove);
  return run.report();
}

export async function runAudit(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "audit");
  if (options.stackTag !== undefined) {
    // An explicit tag audits without a stack, e.g. after the stack was removed.
    const region = options.region ?? ports.defaultRegion;
    if (region === undefined) {
      await run.fail("audit", new Error("no region: pass --region"));
      return run.report();
    }
    await audit(run, ports, { region, stackTag: options.stackTag });
    return run.report();
  }
  run.stack = requireStack(options);
  const session = await run.step("select", () => ports.stacks.select(run.stack ?? ""));
  if (session === undefined) return run.report();
  // The outputs only give the audit's scope; without them the tag is computed from the name.
  let outputs: StackOutputMap | undefined;
  try {
    outputs = await session.value.outputs();
    run.outputs = redactOutputs(outputs);
  } catch (error) {
    run.note(`could not read outputs: ${messageOf(error)}`);
  }
  let stackTag: string;
  try {
    stackTag = await stackTagOf(outputs, session.value);
  } catch (error) {
    await run.fail("audit", error);
    return run.report();
  }
  const region = await auditRegion(options, outputs, session.value);
  if (region === undefined) {
    await run.fail("audit", new Error("no region: the stack has no region output; pass --region"));
    return run.report();
  }
  const kept = await keptOnPurpose(options, session.value);
  await audit(run, ports, { region, stackTag, clusterName: clusterNameOf(outputs), ...kept });
  return run.report();
}

/**
 * create → config → up → outputs/contract → verify → drill, then ALWAYS destroy → audit →
 * remove. Once the stack exists, nothing that fails (or an interrupt) skips the cleanup.
 */
export async function runEphemeral(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  const run = new Run(ports, "ephemeral");
  let name: string;
  try {
    name = ephemeralStackName(options.stack, options.runId, new Date(ports.now()), ports.random);
  } catch (error) {
    await run.fail("create", error);
    return run.report();
  }
  run.stack = name;
  const created = await run.step("create", () => ports.stacks.create(name));
  if (created === undefined) return run.report();
  const session = created.value;

  let outputs: StackOutputMap | undefined;
  const configured = await applyConfig(run, session, options);
  const listener = progressListener(ports, "update", options.raw);
  const up = configured ? await run.step("up", () => session.up(listener)) : undefined;
  if (up !== undefined) run.changes.up = up.value;

  if (!configured) run.skip("up", "config failed");

  let parsed: RedisStackOutputs | undefined;
  if (up !== undefined) {
    const read = await readOutputs(run, session);
    outputs = read?.raw;
    parsed = read?.parsed;
  }

  let verified = false;
  if (parsed === undefined) {
    run.skip("verify", up === undefined ? "up failed" : "outputs unreadable or off-contract");
  } else if (isInterrupted(ports)) {
    run.skip("verify", "interrupted");
  } else {
    const target = deploymentTarget(parsed);
    verified = await runCheck(run, "verify", () => ports.checks.verify(target));
  }

  if (options.skipDrill) {
    run.skip("drill", "--skip-drill");
  } else if (!verified || parsed === undefined) {
    run.skip("drill", "verify did not pass");
  } else if (isInterrupted(ports)) {
    run.skip("drill", "interrupted");
  } else {
    const target = deploymentTarget(parsed);
    await runCheck(run, "drill", () => ports.checks.drill(target, options.scenarios));
  }

  // Always: even when up, verify or drill failed, or the operator interrupted.
  await destroyAndAudit(run, ports, options, session, outputs, true);
  return run.report();
}

function requireStack(options: DriverOptions): string {
  if (options.stack === undefined) {
    // parseCommandLine rejects this; reaching here is a bug in a caller.
    throw new Error(`${options.command} needs a stack name`);
  }
  return options.stack;
}

/** The workflow for each command. */
export const WORKFLOWS: Readonly<
  Record<
    DriverOptions["command"],
    (ports: DriverPorts, options: DriverOptions) => Promise<RunReport>
  >
> = {
  preview: runPreview,
  up: runUp,
  outputs: runOutputs,
  verify: runVerify,
  drill: runDrill,
  destroy: runDestroy,
  audit: runAudit,
  ephemeral: runEphemeral,
};

/** Runs the command's workflow. */
export function runCommand(ports: DriverPorts, options: DriverOptions): Promise<RunReport> {
  return WORKFLOWS[options.command](ports, options);
}
