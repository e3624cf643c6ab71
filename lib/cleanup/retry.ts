/**
 * The hook's one retry policy, and its bounded waits. Throttling and transient errors are
 * retried by the AWS SDK's own retry strategy, configured once here for every client the hook
 * and the audit build (`createAwsClients`): a destroy should ride out API throttling, and one
 * policy means no call is retried by two layers at once. Listings go through the SDK's
 * paginators (`allPages`).
 */
import type { Clock, WaitOptions } from "./types";

/**
 * The SDK client settings of the retry policy: up to 8 attempts, with the SDK's standard
 * exponential backoff (throttling errors back off from 500 ms, capped at 20 s).
 */
export const AWS_RETRY_POLICY = { maxAttempts: 8, retryMode: "standard" } as const;

/** Every item of every page of an SDK paginator (`paginateDescribeVolumes(...)` etc.). */
export async function allPages<Page, Item>(
  pages: AsyncIterable<Page>,
  items: (page: Page) => readonly Item[] | undefined,
): Promise<Item[]> {
  const out: Item[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

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

/**
 * Whether an AWS error means the resource is already gone (fine on a rerun): EC2's
 * `InvalidVolume.NotFound`, ELB's `LoadBalancerNotFound`/`AccessPointNotFound`, EFS's
 * `FileSystemNotFound` all end the same way.
 */
export function isNotFound(err: unknown): boolean {
  return errorName(err).endsWith("NotFound");
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
