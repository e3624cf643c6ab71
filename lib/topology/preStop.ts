/**
 * The preStop hooks of a Redis node pod, as bash scripts: the ones the stack deploys (chart
 * values `replica.lifecycleHooks` and `sentinel.lifecycleHooks`) and, for the benchmark's
 * comparison, the sequence of chart 23.1.1's own hooks (`templates/scripts-configmap.yaml`,
 * prestop-redis.sh and prestop-sentinel.sh). The local drill runs these very scripts with
 * redis-cli against its processes, so what it measures is what the pods run.
 *
 * On the master the Redis container's hook pauses client writes, asks the pod's sentinel to
 * fail over, and waits until the failover is done; the sentinel container's hook waits as well.
 * Only then does the kubelet send SIGTERM. On a replica both return at once.
 *
 * The one difference from the chart is what "done" means. The chart asks
 * `SENTINEL GET-MASTER-ADDR-BY-NAME`, which names the promoted replica as soon as it is promoted,
 * while the failover is still re-pointing the other replicas. Its hooks then let SIGTERM stop the
 * pod's sentinel, the failover's leader, mid-failover; seen here: the old master restarted as a
 * master before the other sentinels had switched, took writes, and lost 53 WAIT-acknowledged
 * ones when it was demoted (docs/drill.md). The stack's hooks wait until the sentinel's own
 * master record (`SENTINEL MASTER`) names another node, which happens only at `+switch-master`.
 */
import { OPERATOR_USER } from "../redis/acl";
import { PodShutdown } from "../tuning";

/** What a hook does, in numbers. */
export interface PreStopPlan {
  /** `CLIENT PAUSE <pauseMs> WRITE` on the master: `(grace - 10 + 2) × 1000`, as the chart. */
  readonly pauseMs: number;
  /** Polls of the pod's sentinel for the end of the failover (`grace - 10`, as the chart). */
  readonly waitPolls: number;
  /** Pause between two polls. */
  readonly pollIntervalMs: number;
  /**
   * "switch": done when the sentinel's master record names another node (after
   * `+switch-master`; what the stack deploys). "chart": done when
   * `GET-MASTER-ADDR-BY-NAME` names another node (chart 23.1.1's own hooks).
   */
  readonly doneWhen: "switch" | "chart";
}

/** The chart's arithmetic (`sub .Values.sentinel.terminationGracePeriodSeconds 10`). */
export function preStopPlan(
  shutdown: PodShutdown,
  doneWhen: PreStopPlan["doneWhen"] = "switch",
): PreStopPlan {
  const waitSeconds = shutdown.terminationGracePeriodSeconds - 10;
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1) {
    throw new Error(
      `terminationGracePeriodSeconds: ${shutdown.terminationGracePeriodSeconds} is not allowed; use an integer of at least 11 (the preStop waits grace - 10 s)`,
    );
  }
  return {
    pauseMs: (2 + waitSeconds) * 1000,
    waitPolls: waitSeconds,
    pollIntervalMs: 1000,
    doneWhen,
  };
}

/** Who the hook's pod is, as Sentinel announces it. */
export interface HookIdentity {
  readonly masterSet: string;
  /**
   * The host Sentinel announces for this pod, as a bash expression: on a cluster
   * `${HOSTNAME}.<release>-headless.<namespace>.svc.<domain>` (the chart's `get_full_hostname`
   * with `useHostnames`); locally `127.0.0.1`. The port is `$REDIS_PORT`.
   */
  readonly selfHostExpression: string;
  /**
   * The file holding the `operator` user's password (lib/redis/acl.ts): on a cluster the ACL
   * Secret mounted at `ACL_MOUNT_PATH`. The hooks run as that user.
   */
  readonly operatorPasswordFile: string;
}

/** The shell lines both hooks share: auth, identity, and the "failover done" check. */
function commonLines(plan: PreStopPlan, id: HookIdentity): string[] {
  const set = id.masterSet;
  const masterQuery =
    plan.doneWhen === "switch"
      ? // The record's ip and port change only at +switch-master.
        `sentinel_cli SENTINEL MASTER ${set} | awk 'NR % 2 == 1 { key = $0; next } key == "ip" { ip = $0 } key == "port" { port = $0 } END { if (ip != "") print ip ":" port }'`
      : // The chart's check: the promoted replica as soon as it is promoted.
        `sentinel_cli SENTINEL GET-MASTER-ADDR-BY-NAME ${set} | paste -sd: -`;
  return [
    "set -u",
    // redis-cli reads the password from REDISCLI_AUTH, so it is never on a command line; the
    // hooks run as the operator user (ROLE, CLIENT PAUSE, SENTINEL FAILOVER), not as `default`.
    `export REDISCLI_AUTH="$(< ${JSON.stringify(id.operatorPasswordFile)})"`,
    `SELF="${id.selfHostExpression}:\${REDIS_PORT}"`,
    // With TLS (the chart's REDIS_TLS_* in the Redis container, REDIS_SENTINEL_TLS_* in the
    // sentinel's) the plaintext port is 0: speak TLS and check the server against the CA.
    'TLS_ARGS=(); if [[ "${REDIS_TLS_ENABLED:-${REDIS_SENTINEL_TLS_ENABLED:-no}}" == "yes" ]]; then TLS_ARGS=(--tls --cacert "${REDIS_TLS_CA_FILE:-${REDIS_SENTINEL_TLS_CA_FILE:-}}"); fi',
    `redis_cli() { redis-cli --no-auth-warning --user ${OPERATOR_USER} -h 127.0.0.1 -p "$REDIS_PORT" \${TLS_ARGS[@]+"\${TLS_ARGS[@]}"} "$@" 2>/dev/null; }`,
    `sentinel_cli() { redis-cli --no-auth-warning --user ${OPERATOR_USER} -h 127.0.0.1 -p "$REDIS_SENTINEL_PORT" \${TLS_ARGS[@]+"\${TLS_ARGS[@]}"} "$@" 2>/dev/null; }`,
    `current_master() { ${masterQuery}; }`,
    'failover_done() { local master; master="$(current_master)"; [[ -n "$master" && "$master" != "$SELF" ]]; }',
    `wait_for_failover() { local i; for ((i = 0; i < ${plan.waitPolls}; i++)); do failover_done && return 0; sleep ${plan.pollIntervalMs / 1000}; done; return 1; }`,
  ];
}

/** The Redis container's hook: on the master, pause writes, fail over, wait. */
export function redisPreStopScript(plan: PreStopPlan, id: HookIdentity): string {
  return [
    ...commonLines(plan, id),
    '[[ "$(redis_cli ROLE | head -1)" == "master" ]] || exit 0',
    "failover_done && exit 0",
    'echo "preStop: master $SELF is stopping: CLIENT PAUSE ' +
      plan.pauseMs +
      ' WRITE, SENTINEL FAILOVER"',
    `redis_cli CLIENT PAUSE ${plan.pauseMs} WRITE`,
    `sentinel_cli SENTINEL FAILOVER ${id.masterSet}`,
    'if wait_for_failover; then echo "preStop: failover done, the sentinel names another master"; exit 0; fi',
    'echo "preStop: failover not done in time"',
    "exit 1",
  ].join("\n");
}

/** The sentinel container's hook: wait while the failover of this pod's master runs. */
export function sentinelPreStopScript(plan: PreStopPlan, id: HookIdentity): string {
  return [...commonLines(plan, id), "failover_done && exit 0", "wait_for_failover"].join("\n");
}
