/**
 * Bounded retries and waits shared by the hook's steps. The SDK clients built by the hook retry
 * throttling themselves, but injected clients (a mock, a client with `maxAttempts: 1`) may not,
 * and a destroy should not fail because one describe call was throttled.
 */
import type { Clock, WaitOptions } from "./types";

/** The error name (SDK v3 sets `name` to the service's error code), or "". */
export function errorName(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [e.name, e.Code, e.code]) {
      if (typeof v === "string" && v !== "" && v !== "Error") return v;
    }
  }
  return "";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

/** Whether an AWS error means "slow down and try again". */
export function isThrottling(err: unknown): boolean {
  return THROTTLING.has(errorName(err));
}

/**
 * Whether an AWS error means the resource is already gone (fine on a rerun): EC2's
 * `InvalidVolume.NotFound`, ELB's `LoadBalancerNotFound`/`AccessPointNotFound`, EFS's
 * `FileSystemNotFound` all end the same way.
 */
export function isNotFound(err: unknown): boolean {
  return errorName(err).endsWith("NotFound");
}

/** Calls `op`, retrying throttling errors with exponential backoff (at most `attempts` calls). */
export async function withRetry<T>(
  op: () => Promise<T>,
  clock: Clock,
  attempts = 6,
  baseMs = 500,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isThrottling(err) || attempt >= attempts) throw err;
      await clock.sleep(Math.min(baseMs * 2 ** (attempt - 1), 20_000));
    }
  }
}

/**
 * Polls `check` until it returns true or the timeout passes; returns whether it succeeded.
 * The first check runs at once, so an already-finished wait costs no sleep.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  wait: WaitOptions,
): Promise<boolean> {
  const deadline = wait.clock.now() + wait.timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (wait.clock.now() >= deadline) return false;
    await wait.clock.sleep(wait.pollMs);
  }
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
};
