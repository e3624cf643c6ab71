/**
 * The ACL users of every Redis node and every sentinel, as ONE pure table, and the ACL files
 * rendered from it. The component writes the files into a Secret and points redis-server
 * (`--aclfile`, after the chart's `--include`s) and redis-sentinel (`aclfile` in
 * `sentinel.configuration`) at them; the local topology of the drill and the benchmark runs the
 * very same files, and tests/integration/acl-rules.test.ts checks every rule against real
 * redis-server / redis-sentinel processes.
 *
 * Why not the chart's own `auth.acl`: chart 23.1.1 (templates/configmap.yaml) always writes
 * `user default on #<hash> ~* &* +@all` and refuses nothing else for it (a second `user default`
 * line makes Redis abort: "Duplicate user"), so every holder of the chart's password could still
 * run everything; and `auth.acl.sentinel` writes every user's password in plain text into the
 * sentinel.conf of a ConfigMap. An ACL file of our own, in a Secret, narrows `default` too.
 *
 * The users:
 * - `default`: the chart's internal credential (the `<release>-password` Secret), which the chart
 *   hands to replication (`--masterauth`), to the sentinels' link to Redis (`sentinel auth-pass`),
 *   to sentinel-to-sentinel links (`requirepass`), to the probes, the metrics exporter and
 *   start-node.sh. It gets exactly what those need and no key access.
 * - `app` (`APP_USER`): the one the outputs and the consumer example hand to clients. No
 *   scripting (CVE-2025-49844 and friends are Lua bugs), nothing `@dangerous` (CONFIG, DEBUG,
 *   KEYS, REPLICAOF, SHUTDOWN, FLUSHALL, MONITOR, CLIENT KILL ...), no ACL; on the sentinels only
 *   the discovery queries (no SENTINEL SET, FAILOVER, RESET, MONITOR, REMOVE, CONFIG).
 * - `operator` (`OPERATOR_USER`): verify, drill and the preStop hooks: the app's rights plus
 *   ROLE and CLIENT PAUSE/UNPAUSE on Redis, and SENTINEL FAILOVER and CKQUORUM on the sentinels.
 */
import { createHash } from "node:crypto";

export const APP_USER = "app";
export const OPERATOR_USER = "operator";
export const INTERNAL_USER = "default";

export type AclUserName = typeof APP_USER | typeof OPERATOR_USER | typeof INTERNAL_USER;
export const ACL_USERS: readonly AclUserName[] = [INTERNAL_USER, APP_USER, OPERATOR_USER];

/** Keys of the ACL Secret the pods mount (`aclSecretData`). */
export const ACL_FILE_KEY = "users.acl";
export const SENTINEL_ACL_FILE_KEY = "sentinel-users.acl";
export const OPERATOR_PASSWORD_KEY = "operator-password";

/** The ACL Secret of a release (created by the component, mounted by every pod). */
export function aclSecretName(releaseName: string): string {
  return `${releaseName}-acl`;
}

/** Where the ACL Secret is mounted in the Redis and the sentinel containers. */
export const ACL_MOUNT_PATH = "/opt/bitnami/redis/acl";

/** Rules added to a user's own on the Redis nodes (`redisAclRules`), checked by `aclRuleProblem`. */
export type AclExtraRules = Readonly<Partial<Record<AclUserName, readonly string[]>>>;

export interface AclOptions {
  /** Lets the app user run Lua (EVAL, EVALSHA, FCALL, SCRIPT LOAD/EXISTS). Defaults to false. */
  readonly allowScripting?: boolean;
  /** Rules appended to each user's on the Redis nodes, after the stack's. Defaults to none. */
  readonly extraRules?: AclExtraRules;
}

/** Commands the app user never gets, whatever their category says. */
const REFUSED_TO_APP = [
  "acl",
  "config",
  "debug",
  "keys",
  "replicaof",
  "slaveof",
  "shutdown",
  "monitor",
  "module",
  "failover",
  "flushall",
  "flushdb",
  "sync",
  "psync",
] as const;

/** Lua, which only `redisAllowScripting` gives (CVE-2025-49844 and its kin). */
const SCRIPTING_COMMANDS = [
  "eval",
  "evalsha",
  "eval_ro",
  "evalsha_ro",
  "fcall",
  "fcall_ro",
  "script",
  "function",
];

/** Rules for commands the app user may run on Redis: everything not dangerous, no scripting. */
function appRedisRules(opts: AclOptions): string[] {
  return [
    "~*",
    "&*",
    "+@all",
    "-@dangerous",
    "-@scripting",
    // Named as well, so that a future change of categories cannot hand them back.
    ...REFUSED_TO_APP.map((c) => `-${c}`),
    // ioredis' ready check reads INFO; INFO is "@dangerous" only for what it tells.
    "+info",
    ...(opts.allowScripting
      ? ["+eval", "+evalsha", "+eval_ro", "+evalsha_ro", "+fcall", "+fcall_ro"].concat([
          "+script|load",
          "+script|exists",
        ])
      : []),
  ];
}

/** Sentinel queries a Sentinel-aware client (ioredis) makes to find the master and replicas. */
const SENTINEL_DISCOVERY = [
  "+auth",
  "+hello",
  "+ping",
  "+client|setname",
  "+client|getname",
  "+info",
  "+role",
  "+sentinel|get-master-addr-by-name",
  "+sentinel|master",
  "+sentinel|masters",
  "+sentinel|replicas",
  "+sentinel|slaves",
  "+sentinel|sentinels",
  "+subscribe",
  "+psubscribe",
  "+unsubscribe",
  "+punsubscribe",
];

/**
 * What the sentinels send to Redis (Redis' own list for a Sentinel user), what replicas send to
 * their master, what the probes and the metrics exporter read.
 */
export const INTERNAL_REDIS_COMMANDS: readonly string[] = [
  // Sentinel -> Redis.
  "auth",
  "hello",
  "ping",
  "info",
  "role",
  "multi",
  "exec",
  "slaveof",
  "replicaof",
  "config|rewrite",
  // The master's preStop hook, on the other nodes: demote the replicas a rollout has not
  // restarted yet (CONFIG SET replica-priority, lib/topology/preStop.ts). Redis' protected
  // configs (dir, dbfilename...) stay refused to CONFIG SET (`enable-protected-configs no`).
  "config|set",
  "client|setname",
  "client|kill",
  "script|kill",
  "publish",
  "subscribe",
  // Replica -> master.
  "psync",
  "sync",
  "replconf",
  // The metrics exporter.
  "config|get",
  "client|list",
  "client|info",
  "slowlog",
  "latency",
  "select",
  "dbsize",
  "memory|stats",
];

/** What sentinels send each other (`requirepass` is the default user), and the chart's scripts. */
export const INTERNAL_SENTINEL_COMMANDS: readonly string[] = [
  "auth",
  "hello",
  "ping",
  "info",
  "role",
  "client|setname",
  "publish",
  "subscribe",
  "sentinel|is-master-down-by-addr",
  // start-node.sh: the current master, and automateClusterRecovery's check and failover.
  "sentinel|get-master-addr-by-name",
  "sentinel|master",
  "sentinel|failover",
];

/** Sentinel's hello channel, the only one the internal user needs. */
export const SENTINEL_HELLO_CHANNEL = "__sentinel__:hello";

/** The rules of one user on Redis nodes (without its password), `redisAclRules` last. */
export function redisRules(user: AclUserName, opts: AclOptions = {}): string[] {
  return [...stackRedisRules(user, opts), ...(opts.extraRules?.[user] ?? [])];
}

/** The forms of rule `redisAclRules` takes: commands, categories, key and channel patterns. */
const RULE_FORM =
  /^(?:[+-]@?[a-z][a-z0-9_-]*(?:\|[a-z0-9_-]+)?|~\S+|%(?:R|W|RW)~\S+|&\S+|allkeys|resetkeys|allchannels|resetchannels|allcommands|nocommands)$/;
/** Rules that set a password or turn a user on or off: the stack's alone. */
const CREDENTIAL_RULE = /^(?:on|off|nopass|resetpass|reset|[<>#!].*)$/;

/**
 * Why a rule added to a user's on the Redis nodes (`redisAclRules`) is refused, or undefined:
 * credentials stay the stack's; the internal user (the sentinels', the replicas', the probes')
 * keeps every command and the channel they use; the app and operator users get neither Lua
 * (unless `allowScripting`) nor what the stack takes from them.
 */
export function aclRuleProblem(
  user: AclUserName,
  rule: string,
  opts: AclOptions = {},
  earlier: readonly string[] = [],
): string | undefined {
  const lower = rule.trim().toLowerCase();
  if (CREDENTIAL_RULE.test(lower)) {
    return `"${rule}" sets a password or turns the user on or off; the stack manages those (redisPassword, redisPasswordPrevious)`;
  }
  if (!RULE_FORM.test(lower)) {
    return `"${rule}" is not a rule this key takes; use +<command>, -<command>, +@<category>, -@<category>, ~<key pattern>, %R~ or %W~<key pattern>, &<channel pattern>`;
  }
  const command = /^[+-]([a-z][a-z0-9_-]*)/.exec(lower)?.[1];
  // The app and operator users start from `~*` and `&*`: Redis refuses to start on a pattern
  // added after those (seen on redis-server 7.0: "Adding a pattern after the * pattern"), so a
  // pattern needs the reset first, in the same list.
  if (user !== INTERNAL_USER) {
    const resets = earlier.map((r) => r.trim().toLowerCase());
    if (/^(?:~|%|allkeys$)/.test(lower) && !resets.includes("resetkeys")) {
      return `"${rule}" comes after the ${user} user's ~* and Redis would refuse to start; put "resetkeys" before it to give only the patterns that follow`;
    }
    if (/^(?:&|allchannels$)/.test(lower) && !resets.includes("resetchannels")) {
      return `"${rule}" comes after the ${user} user's &* and Redis would refuse to start; put "resetchannels" before it to give only the channels that follow`;
    }
  }
  if (user === INTERNAL_USER) {
    const needed = (c: string) =>
      INTERNAL_REDIS_COMMANDS.some((n) => n === c || n.split("|")[0] === c);
    const removes =
      lower === "nocommands" ||
      lower === "resetchannels" ||
      lower.startsWith("-@") ||
      (lower.startsWith("-") && command !== undefined && needed(lower.slice(1)));
    if (removes) {
      return `"${rule}" would lock out the sentinels and the replicas: they authenticate as ${INTERNAL_USER} and need ${INTERNAL_REDIS_COMMANDS.join(", ")} and the channel ${SENTINEL_HELLO_CHANNEL}`;
    }
    return undefined;
  }
  const base = command?.split("|")[0];
  if (lower.startsWith("+") && base !== undefined && SCRIPTING_COMMANDS.includes(base)) {
    return opts.allowScripting
      ? undefined
      : `"${rule}" gives the ${user} user Lua; set andyredis:redisAllowScripting instead (docs/redis.md, CVE-2025-49844)`;
  }
  const grantsAll = ["allcommands", "+@all", "+@dangerous", "+@scripting", "+@admin"].includes(
    lower,
  );
  if (
    grantsAll ||
    (lower.startsWith("+") && (REFUSED_TO_APP as readonly string[]).includes(base ?? ""))
  ) {
    return `"${rule}" gives the ${user} user what the stack takes from it (scripting and dangerous commands: ${REFUSED_TO_APP.join(", ")})`;
  }
  return undefined;
}

function stackRedisRules(user: AclUserName, opts: AclOptions): string[] {
  switch (user) {
    case INTERNAL_USER:
      return [
        "resetkeys",
        "resetchannels",
        `&${SENTINEL_HELLO_CHANNEL}`,
        "-@all",
        ...INTERNAL_REDIS_COMMANDS.map((c) => `+${c}`),
      ];
    case APP_USER:
      return appRedisRules(opts);
    case OPERATOR_USER:
      return [...appRedisRules(opts), "+role", "+client|pause", "+client|unpause"];
    default:
      throw new Error(`unknown ACL user ${String(user)}`);
  }
}

/** The rules of one user on sentinels (without its password). */
export function sentinelRules(user: AclUserName): string[] {
  switch (user) {
    case INTERNAL_USER:
      return [
        "resetchannels",
        `&${SENTINEL_HELLO_CHANNEL}`,
        "-@all",
        ...INTERNAL_SENTINEL_COMMANDS.map((c) => `+${c}`),
      ];
    case APP_USER:
      return ["resetchannels", "&*", "-@all", ...SENTINEL_DISCOVERY];
    case OPERATOR_USER:
      return [
        "resetchannels",
        "&*",
        "-@all",
        ...SENTINEL_DISCOVERY,
        "+sentinel|ckquorum",
        "+sentinel|failover",
        "+sentinel|info-cache",
        "+sentinel|myid",
      ];
    default:
      throw new Error(`unknown ACL user ${String(user)}`);
  }
}

/** SHA-256 of a password in hex, as an ACL file takes it (`#<hash>`): never the password. */
export function passwordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/**
 * The password hashes of each user. Each user may hold several (`#a #b`): during a rotation the
 * old and the new password both work, so no client is refused while the pods roll.
 */
export type AclHashes = Readonly<Record<AclUserName, readonly string[]>>;

function userLine(name: AclUserName, hashes: readonly string[], rules: string[]): string {
  if (hashes.length === 0 || hashes.some((h) => !/^[0-9a-f]{64}$/.test(h))) {
    throw new Error(`ACL user ${name}: needs at least one SHA-256 password hash`);
  }
  return ["user", name, "reset", "on", ...hashes.map((h) => `#${h}`), ...rules].join(" ");
}

/** The ACL file of the Redis nodes. */
export function redisAclFile(hashes: AclHashes, opts: AclOptions = {}): string {
  return ACL_USERS.map((u) => userLine(u, hashes[u], redisRules(u, opts))).join("\n") + "\n";
}

/** The ACL file of the sentinels. */
export function sentinelAclFile(hashes: AclHashes): string {
  return ACL_USERS.map((u) => userLine(u, hashes[u], sentinelRules(u))).join("\n") + "\n";
}

/** Plain passwords of each user (the component's secrets), one or two per user. */
export type AclPasswords = Readonly<Record<AclUserName, readonly string[]>>;

export function aclHashes(passwords: AclPasswords): AclHashes {
  return {
    [INTERNAL_USER]: passwords[INTERNAL_USER].map(passwordHash),
    [APP_USER]: passwords[APP_USER].map(passwordHash),
    [OPERATOR_USER]: passwords[OPERATOR_USER].map(passwordHash),
  };
}

/**
 * The passwords the application user accepts: the current one first (what the outputs hand
 * out), then, during a rotation, the previous one. ACL users hold several passwords at once, so
 * a pod that has restarted accepts both, and clients move over without being refused.
 */
export function appPasswords(current: string, previous?: string): string[] {
  return previous === undefined || previous === current ? [current] : [current, previous];
}

/**
 * The ACL Secret's data: both files, and the operator's password for the preStop hooks (the
 * first one given: the current one). Its checksum goes on the pods, so a changed credential
 * rolls them.
 */
export function aclSecretData(
  passwords: AclPasswords,
  opts: AclOptions = {},
): Record<string, string> {
  const hashes = aclHashes(passwords);
  return {
    [ACL_FILE_KEY]: redisAclFile(hashes, opts),
    [SENTINEL_ACL_FILE_KEY]: sentinelAclFile(hashes),
    [OPERATOR_PASSWORD_KEY]: passwords[OPERATOR_USER][0],
  };
}

/** A checksum of the Secret's data, for a pod annotation (no secret can be read back from it). */
export function aclChecksum(data: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(data).sort()) {
    hash.update(key).update("\0").update(data[key]).update("\0");
  }
  return hash.digest("hex");
}
