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
import { DEMOTION, PodShutdown } from "../tuning";

/** What a hook does, in numbers. */
export interface PreStopPlan {
  /** `CLIENT PAUSE <pauseMs> WRITE` on the master: `(grace - 10 + 2) × 1000`, as the chart. */
  readonly pauseMs: number;
  /**
   * How long the hooks poll the pod's sentinel for the end of the failover: until this many
   * seconds into the hook (`grace - 10`, as the chart's number of one-second polls).
   */
  readonly waitPolls: number;
  /** Pause between two polls. */
  readonly pollIntervalMs: number;
  /**
   * "switch": done when the sentinel's master record names another node (after
   * `+switch-master`; what the stack deploys). "chart": done when
   * `GET-MASTER-ADDR-BY-NAME` names another node (chart 23.1.1's own hooks).
   */
  readonly doneWhen: "switch" | "chart";
  /**
   * Demote the replicas a rollout has not restarted yet before the failover (`demotionLines`);
   * the stack's hooks do, the chart's do not.
   */
  readonly demoteNotRestarted: boolean;
  /**
   * How long, in seconds from the hook's start, it may wait for its sentinel to see the
   * demotion: 10 s of the wait stay for the failover itself.
   */
  readonly steerSeconds: number;
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
    demoteNotRestarted: doneWhen === "switch",
    steerSeconds: Math.max(0, waitSeconds - 10),
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
    // Until `waitPolls` seconds into the hook (bash's SECONDS), whatever came before the wait.
    `wait_for_failover() { while true; do failover_done && return 0; (( SECONDS >= ${plan.waitPolls} )) && return 1; sleep ${plan.pollIntervalMs / 1000}; done; }`,
  ];
}

/**
 * The lines that demote the replicas a rollout has not restarted yet, for this failover only.
 * A StatefulSet restarts pods from the highest ordinal down, so the replicas with a higher
 * ordinal than the stopping master (a higher `replica-priority`, lib/tuning.ts) are restarted
 * already; when one of them is healthy, every lower one gets `DEMOTION` added, so Sentinel
 * promotes the lowest restarted one instead of a pod the rollout would stop next (a second
 * failover). Outside a rollout it only means "prefer the next ordinal up". Never 0: a crash
 * during the switch may still promote a demoted replica. The trap gives the priorities back
 * when the hook ends, whatever the outcome; a pod restarted meanwhile has its own again anyway.
 *
 * Sentinel reads priorities from each replica's INFO, every 10 s, so the hook waits until its
 * sentinel reports the demotion, before it pauses writes (the wait costs no write time), and at
 * most until `steerDeadline` (seconds into the hook), leaving the rest for the failover.
 * CONFIG SET runs as the internal user (`default`, whose password file the chart names in
 * `$REDIS_PASSWORD_FILE`), which only the pods hold; the operator credential gets no CONFIG.
 */
function demotionLines(set: string, steerDeadline: number): string[] {
  const replicaFields =
    // SENTINEL REPLICAS: one flat key/value list per replica, each starting at "name".
    `awk 'NR % 2 == 1 { key = $0; next } key == "name" && n++ { print ip, port, prio, flags, link } key == "ip" { ip = $0 } key == "port" { port = $0 } key == "slave-priority" { prio = $0 } key == "flags" { flags = $0 } key == "master-link-status" { link = $0 } END { if (n) print ip, port, prio, flags, link }'`;
  return [
    `internal_cli() { local host="$1" port="$2"; shift 2; REDISCLI_AUTH="$(< "$REDIS_PASSWORD_FILE")" redis-cli --no-auth-warning -h "$host" -p "$port" \${TLS_ARGS[@]+"\${TLS_ARGS[@]}"} "$@" 2>/dev/null < /dev/null; }`,
    `replicas() { sentinel_cli SENTINEL REPLICAS ${set} | ${replicaFields}; }`,
    "DEMOTED=()",
    'restore_priorities() { local r; for r in "${DEMOTED[@]+"${DEMOTED[@]}"}"; do set -- $r; internal_cli "$1" "$2" CONFIG SET replica-priority "$3" >/dev/null; done; }',
    "trap restore_priorities EXIT",
    // Whether the sentinel's view (from INFO, refreshed every 10 s) has every replica at the
    // priority it has now, an earlier demotion given back included.
    "declare -A EXPECTED=()",
    [
      "sentinel_view_current() {",
      "  local ip port prio flags link",
      "  while read -r ip port prio flags link; do",
      '    [[ -n "${EXPECTED["$ip $port"]+set}" ]] || continue',
      '    [[ "$prio" == "${EXPECTED["$ip $port"]}" ]] || return 1',
      "  done < <(replicas)",
      "}",
    ].join("\n"),
    [
      "demote_not_restarted() {",
      '  [[ -r "${REDIS_PASSWORD_FILE:-}" ]] || return 0',
      "  local mine ip port prio flags link restarted=0 r",
      "  local -a older=() SEEN=()",
      '  mine="$(internal_cli 127.0.0.1 "$REDIS_PORT" CONFIG GET replica-priority | tail -1)"',
      `  [[ "$mine" =~ ^[0-9]+$ ]] && (( mine > 0 && mine < ${DEMOTION} )) || return 0`,
      "  while read -r ip port prio flags link; do",
      // The replica's own priority and link: the sentinel's view may be up to 10 s old.
      '    prio="$(internal_cli "$ip" "$port" CONFIG GET replica-priority | tail -1)"',
      '    [[ "$prio" =~ ^[0-9]+$ ]] || continue',
      '    link="$(internal_cli "$ip" "$port" INFO replication | tr -d "\\r" | awk -F: \'$1 == "master_link_status" { print $2 }\')"',
      '    EXPECTED["$ip $port"]="$prio"; SEEN+=("$ip:$port=$prio/$flags/$link")',
      `    (( prio > 0 && prio < ${DEMOTION} )) || continue`,
      '    if (( prio > mine )) && [[ "$flags" == "slave" && "$link" == "up" ]]; then restarted=1',
      `    elif (( prio < mine )); then older+=("$ip $port $prio"); fi`,
      "  done < <(replicas)",
      '  echo "preStop: own priority $mine; replicas (priority/flags/link): ${SEEN[*]-none}"',
      "  if (( restarted == 1 )); then",
      '    for r in "${older[@]+"${older[@]}"}"; do',
      "      set -- $r",
      `      if internal_cli "$1" "$2" CONFIG SET replica-priority $(( $3 + ${DEMOTION} )) | grep -q OK; then`,
      '        DEMOTED+=("$r"); EXPECTED["$1 $2"]=$(( $3 + ' + String(DEMOTION) + " ))",
      "      fi",
      "    done",
      '    (( ${#DEMOTED[@]} == 0 )) || echo "preStop: demoted ${#DEMOTED[@]} replica(s) not restarted yet, for this failover"',
      "  fi",
      `  while (( SECONDS < ${steerDeadline} )); do sentinel_view_current && return 0; sleep 0.5; done`,
      '  echo "preStop: the sentinel\'s view of the replica priorities is not current yet; failing over anyway"',
      "}",
    ].join("\n"),
  ];
}

/** The Redis container's hook: on the master, pause writes, fail over, wait. */
export function redisPreStopScript(plan: PreStopPlan, id: HookIdentity): string {
  return [
    ...commonLines(plan, id),
    '[[ "$(redis_cli ROLE | head -1)" == "master" ]] || exit 0',
    "failover_done && exit 0",
    ...(plan.demoteNotRestarted
      ? [...demotionLines(id.masterSet, plan.steerSeconds), "demote_not_restarted"]
      : []),
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
