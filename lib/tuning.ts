/**
 * The one place where Sentinel and replication timings live.
 *
 * Both the Helm chart values (`lib/redis/chartValues.ts`) and the local drill topology
 * (`lib/topology/io/localTopology.ts`) are built from a `RedisTuning`, so what the drill measures is what the stack
 * deploys. Each default below says why it has that value.
 */

export interface RedisTuning {
  /** Sentinel master set name. Defaults to "mymaster" (the origin's name). */
  readonly masterSet: string;
  /**
   * Sentinels that must agree a master is down before a failover starts. Must be a majority of
   * the sentinels so that a partitioned minority can never fail over on its own. Defaults to 2
   * (of 3).
   */
  readonly quorum: number;
  /**
   * `down-after-milliseconds`: how long a master may be unreachable before a sentinel marks it
   * subjectively down. Defaults to 2000: sentinels ping every second, so this is two missed pings
   * before the failover clock starts, which keeps write unavailability after a crash near 3 s
   * instead of the chart's 60 s (measured: median 3.4 s against 60.9 s, docs/drill.md); it is also the largest value for which the chart's
   * `automateClusterRecovery` works. A master that stalls for under 2 s (a fork, a GC pause in a
   * neighbour) is not failed over: the drill's stall scenario checks exactly that.
   */
  readonly downAfterMs: number;
  /**
   * `failover-timeout`: how long one failover attempt may take, and twice this is the wait
   * before the same master is tried again. Defaults to 10000: long enough for a replica
   * reconfiguration with diskless sync of a small data set, short enough that a stuck attempt is
   * retried within 20 s rather than the chart's 6 minutes.
   */
  readonly failoverTimeoutMs: number;
  /**
   * `parallel-syncs`: replicas re-pointed to the new master at once. Defaults to 1, so at most
   * one replica is busy with a full sync while the others keep serving reads.
   */
  readonly parallelSyncs: number;
  /**
   * `min-replicas-to-write`: the master refuses writes (`NOREPLICAS`) unless this many replicas
   * are connected with a lag within `minReplicasMaxLagSeconds`. Defaults to 1: a master cut off
   * from every replica stops accepting writes that a failover would throw away.
   */
  readonly minReplicasToWrite: number;
  /**
   * `min-replicas-max-lag` in seconds. Defaults to 5: replicas acknowledge every second, so a
   * master cut off from its replicas refuses writes after at most 5 s.
   */
  readonly minReplicasMaxLagSeconds: number;
  /**
   * `repl-diskless-sync-delay` in seconds: how long a master waits for more replicas before
   * streaming a diskless full sync. Defaults to 1 (Redis' default is 5): with two replicas there
   * is little to batch, and every second here is a second a new replica is not yet a failover
   * candidate.
   */
  readonly disklessSyncDelaySeconds: number;
}

/** The tuning this stack deploys. */
export const DEFAULT_TUNING: RedisTuning = Object.freeze({
  masterSet: "mymaster",
  quorum: 2,
  downAfterMs: 2000,
  failoverTimeoutMs: 10000,
  parallelSyncs: 1,
  minReplicasToWrite: 1,
  minReplicasMaxLagSeconds: 5,
  disklessSyncDelaySeconds: 1,
});

/**
 * What Bitnami redis chart 23.1.1 deploys when nothing is set (`sentinel.*` defaults in its
 * values.yaml, and Redis' own defaults for what the chart does not set). The failover benchmark
 * runs this side by side with `DEFAULT_TUNING`.
 */
export const CHART_DEFAULT_TUNING: RedisTuning = Object.freeze({
  masterSet: "mymaster",
  quorum: 2,
  downAfterMs: 60000,
  failoverTimeoutMs: 180000,
  parallelSyncs: 1,
  minReplicasToWrite: 0,
  minReplicasMaxLagSeconds: 10,
  disklessSyncDelaySeconds: 5,
});

/**
 * How a Redis node pod stops (a rolling update, an EKS node upgrade, `kubectl drain`): the pod's
 * grace period (`sentinel.terminationGracePeriodSeconds`, read by
 * `templates/sentinel/statefulset.yaml`) bounds the preStop hooks the stack deploys
 * (`lib/topology/preStop.ts`): on the master, `CLIENT PAUSE <(grace - 10 + 2) × 1000> WRITE`,
 * `SENTINEL FAILOVER`, then up to `grace - 10` one-second polls until the failover is done; only
 * then does the container get SIGTERM. The drill's `planned-failover` and `rolling-restart`
 * scenarios run those hooks from these values.
 */
export interface PodShutdown {
  /**
   * `sentinel.terminationGracePeriodSeconds`: the pod's grace period; sets the pause length and
   * the failover wait. Must leave the 10 s the hooks keep for SIGTERM plus at least one poll.
   */
  readonly terminationGracePeriodSeconds: number;
}

/**
 * What the stack deploys: the chart's own 30 s, set explicitly so that the drill models what is
 * deployed even if a chart upgrade changes its default. It meets the planned failover targets
 * (docs/drill.md: 0 WAIT-acknowledged writes lost, about 1.3 s of refused writes): the write
 * pause prevents the loss a bare `SENTINEL FAILOVER` has (the old master would go on taking
 * writes that the re-pointed replica then drops), and the wait keeps SIGTERM from turning the
 * planned switch into a crash (3.4 s). A longer grace period would only lengthen the pause on
 * paper: the old master is stopped as soon as the failover is done, so the pause never runs out.
 */
export const POD_SHUTDOWN: PodShutdown = Object.freeze({ terminationGracePeriodSeconds: 30 });

/** Chart 23.1.1's default (values.yaml `sentinel.terminationGracePeriodSeconds`). */
export const CHART_DEFAULT_POD_SHUTDOWN: PodShutdown = Object.freeze({
  terminationGracePeriodSeconds: 30,
});

/**
 * `replica-priority` of the node with StatefulSet ordinal 0; node `i` gets this plus `i`, so that
 * Sentinel (which promotes the lowest priority first) prefers the lowest ordinal. A rollout (a
 * changed release, a renewed certificate) restarts pods from the highest ordinal down, so the
 * pods with a higher ordinal than the one stopping are the ones already restarted: the master's
 * preStop demotes the lower ordinals for its failover (`DEMOTION`, lib/topology/preStop.ts), and
 * the failover lands on the lowest already-restarted pod. A rolling restart then fails over once
 * unless it starts with the master on the highest ordinal: that pod is the first stopped, no pod
 * is restarted yet, and its successor must move again (docs/drill.md, "Rolling restart"). Without
 * the demotion, either fixed order ends every rollout with the master on a pod the next rollout
 * moves twice. Redis' default, so node 0 keeps it; 0 would mean "never promote".
 */
export const REPLICA_PRIORITY_BASE = 100;

/**
 * What the preStop adds to a not-yet-restarted replica's priority for one failover, then takes
 * back: more than any ordinal's offset, so every restarted replica comes first, yet never 0, so a
 * crash in the meantime can still promote it.
 */
export const DEMOTION = 1000;

/** The most nodes the priorities tell apart (`REPLICA_PRIORITY_BASE + ordinal < DEMOTION`). */
export const MAX_PRIORITY_ORDINAL = DEMOTION - REPLICA_PRIORITY_BASE - 1;

/** `replica-priority` for the node with this StatefulSet ordinal (see `REPLICA_PRIORITY_BASE`). */
export function replicaPriorityForOrdinal(ordinal: number): number {
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal > MAX_PRIORITY_ORDINAL) {
    throw new Error(
      `ordinal: ${ordinal} is not allowed; use an integer from 0 to ${MAX_PRIORITY_ORDINAL}`,
    );
  }
  return REPLICA_PRIORITY_BASE + ordinal;
}

/**
 * Lower bound for `downAfterMs`: under a second, one lost ping triggers a failover. The config
 * checks every tuning key (lib/config/keys.ts ranges, lib/config/parseRedis.ts for the rules
 * that depend on the node count).
 */
export const MIN_DOWN_AFTER_MS = 1000;

/**
 * The replication directives a Redis node needs for this tuning, as redis.conf lines. Used for
 * the chart's `commonConfiguration` and for the local topology's config files.
 */
export function redisServerDirectives(tuning: RedisTuning): string[] {
  return [
    `min-replicas-to-write ${tuning.minReplicasToWrite}`,
    `min-replicas-max-lag ${tuning.minReplicasMaxLagSeconds}`,
    "repl-diskless-sync yes",
    `repl-diskless-sync-delay ${tuning.disklessSyncDelaySeconds}`,
  ];
}

/**
 * The sentinel.conf lines that monitor a master with this tuning. The chart renders the same
 * lines from `sentinel.*` values; the local topology writes them itself.
 */
export function sentinelMonitorDirectives(
  tuning: RedisTuning,
  masterHost: string,
  masterPort: number,
): string[] {
  const set = tuning.masterSet;
  return [
    `sentinel monitor ${set} ${masterHost} ${masterPort} ${tuning.quorum}`,
    `sentinel down-after-milliseconds ${set} ${tuning.downAfterMs}`,
    `sentinel failover-timeout ${set} ${tuning.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${set} ${tuning.parallelSyncs}`,
  ];
}
