/**
 * What the driver's workflows need from the outside world: stacks through the Automation API,
 * the verify/drill/audit checks, a log, a clock and randomness. Narrow on purpose, so the
 * workflows run in tests with fakes; `io/localWorkspace.ts` provides the real ones.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

import type { DeploymentTarget } from "../contract";

/** One stack config value to set before the program runs. */
export interface ConfigOverride {
  readonly key: string;
  readonly value: string;
  /** Stored encrypted by the stack's secrets provider (`--secret-file`, `--secret-env`). */
  readonly secret: boolean;
}

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
