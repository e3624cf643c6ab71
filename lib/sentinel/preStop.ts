/**
 * The preStop hooks chart 23.1.1 gives a node pod (`templates/scripts-configmap.yaml`,
 * prestop-redis.sh and prestop-sentinel.sh), as the chart renders them from the stack's
 * `PodShutdown` values, so that the drill's planned stop does what Kubernetes does before it
 * sends SIGTERM. Pure plan plus a sequence that talks to the pod only through `PodCommands`,
 * so it is tested against a fake.
 */
import { PodShutdown } from "../tuning";
import { errorMessage } from "./clients";

/** What the rendered hooks do, in numbers. */
export interface PreStopPlan {
  /** `CLIENT PAUSE <pauseMs> WRITE` on the master: `(grace - 10 + 2) × 1000`. */
  readonly pauseMs: number;
  /** Polls of the pod's sentinel for a new master (`retry_while ... <grace - 10> 1`). */
  readonly waitPolls: number;
  /** Pause between two polls (the `1` of `retry_while`). */
  readonly pollIntervalMs: number;
  /** `sentinel.redisShutdownWaitFailover`: the Redis container's hook waits as well. */
  readonly redisWaitsForFailover: boolean;
}

/** The template arithmetic of chart 23.1.1 (`sub .Values.sentinel.terminationGracePeriodSeconds 10`). */
export function preStopPlan(shutdown: PodShutdown): PreStopPlan {
  const waitSeconds = shutdown.terminationGracePeriodSeconds - 10;
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1) {
    throw new Error(
      `terminationGracePeriodSeconds: ${shutdown.terminationGracePeriodSeconds} is not allowed; use an integer of at least 11 (the chart's preStop waits grace - 10 s)`,
    );
  }
  return {
    pauseMs: (2 + waitSeconds) * 1000,
    waitPolls: waitSeconds,
    pollIntervalMs: 1000,
    redisWaitsForFailover: shutdown.redisShutdownWaitFailover,
  };
}

/** The commands the hooks run inside the pod (redis-cli against 127.0.0.1 and its sentinel). */
export interface PodCommands {
  /** First line of `ROLE` on this pod's Redis ("master", "slave"); throws when it is down. */
  redisRole(): Promise<string>;
  /** `CLIENT PAUSE <ms> WRITE` on this pod's Redis. */
  pauseWrites(ms: number): Promise<void>;
  /** `SENTINEL FAILOVER <set>` on this pod's sentinel. */
  sentinelFailover(): Promise<void>;
  /** The master this pod's sentinel names (`host:port`), undefined when it does not answer. */
  sentinelMaster(): Promise<string | undefined>;
}

export type PreStopOutcome =
  | "not-master" // the hook does nothing on a replica
  | "already-failed-over" // the sentinel already names another master
  | "failed-over" // paused, failed over, and the sentinel named another master
  | "not-waited" // paused and failed over; redisShutdownWaitFailover is off
  | "wait-timed-out"; // the sentinel still named this pod after every poll

/** One line per step, for the drill's timeline. */
export type PreStopLog = (line: string) => void;

/**
 * `sentinel_failover_finished`: the pod's sentinel names a master, and not this pod. The chart
 * compares hostnames; `self` is the node's announced `host:port` (locally every node is
 * 127.0.0.1, so the port is what tells them apart).
 */
async function failoverFinished(pod: PodCommands, self: string): Promise<boolean> {
  const master = await pod.sentinelMaster().catch(() => undefined);
  return master !== undefined && master !== self;
}

/** `retry_while <check> <polls> <interval>`: true as soon as the check holds. */
async function retryWhile(
  check: () => Promise<boolean>,
  polls: number,
  intervalMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<boolean> {
  for (let i = 0; i < polls; i++) {
    if (await check()) {
      return true;
    }
    await sleep(intervalMs);
  }
  return false;
}

/** prestop-redis.sh: on the master only, pause writes, fail over, and wait for the new master. */
export async function redisPreStop(
  plan: PreStopPlan,
  self: string,
  pod: PodCommands,
  sleep: (ms: number) => Promise<void>,
  log: PreStopLog = () => undefined,
): Promise<PreStopOutcome> {
  const role = await pod.redisRole().catch(() => "");
  if (role !== "master") {
    return "not-master";
  }
  if (await failoverFinished(pod, self)) {
    return "already-failed-over";
  }
  await pod.pauseWrites(plan.pauseMs);
  log(`preStop: CLIENT PAUSE ${plan.pauseMs} WRITE on ${self}`);
  // The script goes on when redis-cli fails: a refused failover shows as a timed-out wait.
  await pod.sentinelFailover().then(
    () => log("preStop: SENTINEL FAILOVER sent"),
    (error: unknown) => log(`preStop: SENTINEL FAILOVER refused: ${errorMessage(error)}`),
  );
  if (!plan.redisWaitsForFailover) {
    return "not-waited";
  }
  const done = await retryWhile(
    () => failoverFinished(pod, self),
    plan.waitPolls,
    plan.pollIntervalMs,
    sleep,
  );
  log(done ? "preStop: the sentinel names a new master" : "preStop: failover wait timed out");
  return done ? "failed-over" : "wait-timed-out";
}

/** prestop-sentinel.sh: the sentinel container waits until its sentinel names another master. */
export async function sentinelPreStop(
  plan: PreStopPlan,
  self: string,
  pod: PodCommands,
  sleep: (ms: number) => Promise<void>,
): Promise<boolean> {
  if (await failoverFinished(pod, self)) {
    return true;
  }
  return retryWhile(() => failoverFinished(pod, self), plan.waitPolls, plan.pollIntervalMs, sleep);
}

/**
 * Both hooks of one pod, run at once as the kubelet does; the containers get SIGTERM after this
 * resolves. Returns the Redis hook's outcome.
 */
export async function podPreStop(
  plan: PreStopPlan,
  self: string,
  pod: PodCommands,
  sleep: (ms: number) => Promise<void>,
  log?: PreStopLog,
): Promise<PreStopOutcome> {
  const [outcome] = await Promise.all([
    redisPreStop(plan, self, pod, sleep, log),
    sentinelPreStop(plan, self, pod, sleep),
  ]);
  return outcome;
}
