/**
 * The one interrupt policy of every command line. SIGINT (Ctrl-C, a CI cancellation), SIGTERM
 * and SIGHUP all mean "stop":
 *
 * - for a command that stops by itself (a `GracefulStop`: the automation driver cancels the
 *   running operation and still destroys), the first one aborts `InterruptContext.signal`,
 *   prints the command's note and lets the command finish;
 * - otherwise, and at the second interrupt in any case, it runs the cleanups registered with
 *   `onInterrupt` (each once: a local topology's processes) and exits at once with the signal's
 *   code of lib/cli/exitCodes.ts (130 for SIGINT), before any more of the command runs.
 *
 * `mainOf` installs the policy for the whole run; `onInterrupt` installs it while a cleanup is
 * registered, so a library call outside a command line (a test) also cleans up on Ctrl-C.
 */
import { ExitCode, ExitCodeValue } from "./exitCodes";

export const INTERRUPT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** The exit code of each signal: 128 + its number, as a shell reports it. */
export const INTERRUPT_EXIT_CODES: Readonly<Record<InterruptSignal, ExitCodeValue>> = {
  SIGINT: ExitCode.interrupted,
  SIGTERM: ExitCode.terminated,
  SIGHUP: ExitCode.hungUp,
};

/** What a command that stops by itself prints at the first and at the second interrupt. */
export interface GracefulStop {
  /** On stdout: what happens now (the running operation is cancelled, cleanup still runs). */
  readonly first: string;
  /** On stderr, before exiting at once. */
  readonly second: string;
}

/** What a running command sees of the policy. */
export interface InterruptContext {
  /** Aborted at the first interrupt of a command that stops gracefully. */
  readonly signal: AbortSignal;
  interrupted(): boolean;
}

interface Cleanup {
  /** Said after "interrupted by SIGINT: ", e.g. "stopped every Redis process". */
  readonly done: string;
  readonly run: () => void | Promise<void>;
}

const cleanups = new Set<Cleanup>();
const controller = new AbortController();
let interrupts = 0;
let graceful: GracefulStop | undefined;
/** Installed by `installInterruptPolicy` for the whole process (a command line's main). */
let owned = false;
let listening = false;

/**
 * Runs the cleanups, then exits. Synchronous cleanups run in this tick, so no other code of the
 * command runs before the exit; one that returns a promise (a topology still starting) is
 * awaited.
 */
function exitInterrupted(signal: InterruptSignal): void {
  const pending = [...cleanups];
  cleanups.clear();
  const done: string[] = [];
  const failed = (error: unknown): void => {
    process.stderr.write(
      `cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  };
  const exit = (): never => {
    if (done.length > 0) process.stderr.write(`\ninterrupted by ${signal}: ${done.join("; ")}\n`);
    process.exit(INTERRUPT_EXIT_CODES[signal]);
  };
  const next = (index: number): void => {
    for (let i = index; i < pending.length; i++) {
      let result: void | Promise<void>;
      try {
        result = pending[i].run();
      } catch (error) {
        failed(error);
        continue;
      }
      if (result instanceof Promise) {
        result.then(
          () => {
            done.push(pending[i].done);
            next(i + 1);
          },
          (error: unknown) => {
            failed(error);
            next(i + 1);
          },
        );
        return;
      }
      done.push(pending[i].done);
    }
    exit();
  };
  next(0);
}

function onSignal(signal: NodeJS.Signals): void {
  const known = signal as InterruptSignal;
  interrupts += 1;
  if (interrupts === 1 && graceful !== undefined) {
    controller.abort();
    process.stdout.write(`${graceful.first}\n`);
    return;
  }
  if (interrupts > 1 && graceful !== undefined) process.stderr.write(`${graceful.second}\n`);
  // A second signal while the cleanups of the first still run changes nothing.
  if (interrupts === 1 || graceful !== undefined) exitInterrupted(known);
}

function listen(): void {
  if (listening) return;
  listening = true;
  INTERRUPT_SIGNALS.forEach((signal) => process.on(signal, onSignal));
}

function stopListening(): void {
  if (!listening || owned || cleanups.size > 0) return;
  listening = false;
  INTERRUPT_SIGNALS.forEach((signal) => process.removeListener(signal, onSignal));
}

/** Installs the policy for the rest of the process; `stop` for a command that stops by itself. */
export function installInterruptPolicy(stop?: GracefulStop): InterruptContext {
  owned = true;
  graceful = stop;
  listen();
  return interruptContext();
}

/** The policy's state as a command sees it (never aborted where the policy is not installed). */
export function interruptContext(): InterruptContext {
  return { signal: controller.signal, interrupted: () => interrupts > 0 };
}

/**
 * Registers a cleanup to run before an interrupt exits the process (synchronous work first:
 * nothing else runs once it exits). Returns the function that unregisters it.
 */
export function onInterrupt(done: string, run: () => void | Promise<void>): () => void {
  const cleanup: Cleanup = { done, run };
  cleanups.add(cleanup);
  listen();
  return () => {
    cleanups.delete(cleanup);
    stopListening();
  };
}
