/**
 * The hook's retry policies, and its bounded waits. On the AWS side, throttling and transient
 * errors are retried by the AWS SDK's own retry strategy, configured once here for every client
 * the hook and the audit build (`createAwsClients`): a destroy should ride out API throttling,
 * and one policy means no call is retried by two layers at once. Listings go through the SDK's
 * paginators (`allPages`). On the Kubernetes side (`kubeClient.ts`, no SDK) the same shape of
 * policy is applied here (`KUBE_RETRY_POLICY`, `withKubeRetry`): throttling (429) and transient
 * failures (5xx, resets, timeouts) back off and retry; a signal that the cluster is gone
 * (connection refused, a name that no longer resolves, a 404 that is not the API server's own)
 * is retried for `goneAfterMs` (an API server restarting) and then reported as
 * `ClusterGoneError`; anything else (401, 403, a TLS failure, other 4xx) fails at once.
 */
import type { Clock, WaitOptions } from "./hookTypes";

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

/** The Kubernetes side's policy: the AWS SDK's standard one in numbers, plus the gone window. */
export interface KubeRetryPolicy {
  /** Attempts of one call, the first included. */
  readonly maxAttempts: number;
  /** First backoff; doubled after each failure, up to `maxDelayMs` (or the server's Retry-After). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** How long a "gone" signal must last before the cluster counts as gone. */
  readonly goneAfterMs: number;
}

/**
 * 8 attempts, backoff from 500 ms to 20 s (as `AWS_RETRY_POLICY`); a cluster counts as gone when
 * it has refused connections (or not resolved) for 20 s: longer than an API server restart
 * (about 10 s seen here), shorter than a destroy anyone waits for.
 */
export const KUBE_RETRY_POLICY: KubeRetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  goneAfterMs: 20_000,
});

/**
 * What a failed Kubernetes call means. "gone": nothing listens at the address or its name does
 * not resolve, or something other than an API server answers 404. "transient": throttling,
 * 5xx, a reset or a timeout. "refused": the API server answered and said no (401, 403, other
 * 4xx), or TLS failed: retrying does not help and the cluster is not gone.
 */
export type KubeFailureKind = "gone" | "transient" | "refused";

const GONE_CODES = ["ECONNREFUSED", "ENOTFOUND", "EAI_NONAME", "EHOSTUNREACH", "ENETUNREACH"];
const TRANSIENT_CODES = [
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ECONNABORTED",
  "ESOCKETTIMEDOUT",
  "REQUEST_TIMEOUT",
];
const TRANSIENT_STATUSES = [429, 500, 502, 503, 504];

/** Whether a response body is a Kubernetes `Status` (what the API server sends with a 404). */
export function isKubernetesStatus(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { kind?: unknown };
    return parsed.kind === "Status";
  } catch {
    return false;
  }
}

/** Classifies a failed call: a network error `code`, or an HTTP `status` with its body. */
export function kubeFailureKind(failure: {
  readonly code?: string;
  readonly status?: number;
  readonly body?: string;
}): KubeFailureKind {
  if (failure.code !== undefined) {
    if (GONE_CODES.includes(failure.code)) return "gone";
    if (TRANSIENT_CODES.includes(failure.code)) return "transient";
    return "refused";
  }
  const status = failure.status ?? 0;
  if (TRANSIENT_STATUSES.includes(status)) return "transient";
  if (status === 404 && !isKubernetesStatus(failure.body ?? "")) return "gone";
  return "refused";
}

/** A Kubernetes call that failed, classified. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly kind: KubeFailureKind,
    /** Seconds the server asked to wait (Retry-After), if it did. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

/**
 * The cluster is gone: the "gone" signal lasted `goneAfterMs`. Marked by a field rather than
 * tested with `instanceof`, which a serialized copy of this module would not pass.
 */
export class ClusterGoneError extends Error {
  readonly clusterGone = true;
  constructor(message: string) {
    super(message);
    this.name = "ClusterGoneError";
  }
}

export function isClusterGone(err: unknown): boolean {
  return (err as { clusterGone?: unknown } | null)?.clusterGone === true;
}

/**
 * Runs `call` under the Kubernetes policy: "transient" failures back off and retry up to
 * `maxAttempts`; "gone" ones retry until they have lasted `goneAfterMs`, then throw
 * `ClusterGoneError`; "refused" ones and other errors are thrown at once.
 */
export async function withKubeRetry<T>(
  what: string,
  call: () => Promise<T>,
  clock: Clock,
  policy: KubeRetryPolicy = KUBE_RETRY_POLICY,
): Promise<T> {
  let goneSince: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      if (err.kind === "refused") throw new Error(`${what}: ${err.message}`);
      const now = clock.now();
      if (err.kind === "gone") {
        goneSince ??= now;
        if (now - goneSince >= policy.goneAfterMs || attempt >= policy.maxAttempts) {
          throw new ClusterGoneError(
            `${what}: ${err.message}, for ${Math.round((now - goneSince) / 1000)}s (${attempt} attempts)`,
          );
        }
      } else {
        goneSince = undefined;
        if (attempt >= policy.maxAttempts) {
          throw new Error(`${what}: ${err.message} (gave up after ${attempt} attempts)`);
        }
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const asked =
        err.retryAfterSeconds !== undefined
          ? Math.min(policy.maxDelayMs, err.retryAfterSeconds * 1000)
          : 0;
      await clock.sleep(Math.max(backoff, asked));
    }
  }
}
