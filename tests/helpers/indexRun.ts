/**
 * Runs `index.ts` under the shared mocks as the engine runs it: the runtime config set, the
 * module evaluated afresh, its exported promise awaited, every registration waited for. Imports
 * nothing of the program itself, so that a process that runs only this loads only what the
 * program loads (tests/fixtures/loadedPackages.ts).
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RegisteredResource, registered, resetRegistry, settle } from "./mocks";
import { PROJECT_DIR } from "./paths";

/** What one run of the program registered, in order. */
export class Registrations {
  constructor(readonly all: readonly RegisteredResource[]) {}

  ofType(type: string): RegisteredResource[] {
    return this.all.filter((r) => r.type === type);
  }

  named(type: string, name: string): RegisteredResource {
    const found = this.all.find((r) => r.type === type && r.name === name);
    if (!found) {
      const names = this.ofType(type).map((r) => r.name);
      throw new Error(`no ${type} named ${name} (have: ${names.join(", ") || "none"})`);
    }
    return found;
  }

  /** Counts the resources by type. */
  countsByType(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.all) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return counts;
  }
}

/**
 * Runs a program build with V8's stack traces off and unmapped. The Pulumi runtime captures a
 * stack trace for every promise and registration it makes (for its leak and error reports, and
 * with no depth limit for each resource's source position), and ts-node's source-map support
 * maps each trace frame by frame: that was four fifths of a build's time. An error thrown
 * meanwhile keeps its message, which is all the tests read of it.
 */
export async function withoutStackTraces<T>(build: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  Error.stackTraceLimit = 0;
  // V8's own formatting (typed as always set, but undefined until someone sets it).
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  try {
    return await build();
  } finally {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = prepare;
  }
}

/** What a run of `index.ts` did. */
export interface ProgramRun {
  /** `index.ts`'s exports, when it ran to the end. */
  readonly exports?: Record<string, unknown>;
  /** What it threw, if anything. */
  readonly error?: unknown;
  /** Every resource it registered, the refused runs' included. */
  readonly resources: Registrations;
  /** What it passed to `pulumi.log.warn`, in order (kept out of the test output). */
  readonly warnings: readonly string[];
}

/** Runs `build` with `pulumi.log.warn` collecting into a list instead of printing. */
export async function collectingWarnings<T>(build: () => Promise<T>): Promise<[T, string[]]> {
  const log = pulumi.log as { warn: (message: string) => Promise<void> };
  const warn = log.warn;
  const warnings: string[] = [];
  log.warn = async (message: string) => {
    warnings.push(message);
  };
  try {
    return [await build(), warnings];
  } finally {
    log.warn = warn;
  }
}

const INDEX = path.join(PROJECT_DIR, "index.ts");

/**
 * Runs `index.ts` as the engine does: the runtime config set to `values` (full keys, text), the
 * `secretKeys` among them handed over as secrets; then waits for every registration, also after
 * a throw, so that a resource created before the throw is counted.
 */
export function runIndex(
  values: Record<string, string>,
  secretKeys: readonly string[] = [],
): Promise<ProgramRun> {
  return withoutStackTraces(async () => {
    resetRegistry();
    pulumi.runtime.setAllConfig(values, [...secretKeys]);
    // A fresh evaluation of the program for every run.
    delete require.cache[INDEX];
    try {
      const [outcome, warnings] = await collectingWarnings(async () => {
        try {
          // `index.ts` exports (`export =`) the promise of the stack's outputs, which the
          // engine awaits; `import` of a CommonJS module hands it over as `default`.
          const module = (await import(INDEX)) as { default: Promise<Record<string, unknown>> };
          const exports = await module.default;
          await settle();
          return { exports };
        } catch (error) {
          await settle();
          return { error };
        }
      });
      return { ...outcome, warnings, resources: new Registrations([...registered]) };
    } finally {
      pulumi.runtime.setAllConfig({});
    }
  });
}
