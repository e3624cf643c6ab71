/**
 * The stack's ACL users (lib/redis/acl.ts), proven against real redis-server / redis-sentinel
 * processes running the very ACL files the pods mount: the app user is refused (NOPERM) every
 * scripting, dangerous and Sentinel-admin command, and can do what a client does; the operator
 * user can do what verify, the drill and the preStop hooks do; the internal `default` user keeps
 * replication and Sentinel working and reads no key.
 */
import * as assert from "node:assert/strict";
import * as net from "node:net";
import Redis from "ioredis";
import { withConnection } from "../../lib/sentinel/io/clients";
import { Credentials, Endpoint } from "../../lib/sentinel/ports";
import { waitUntilVerified } from "../../lib/verify/io/healthChecks";
import { sentinelAdmin, sentinelMasterOf } from "../../lib/sentinel/io/admin";
import { aclRuleProblem } from "../../lib/redis/acl";
import { FAST_SENTINEL_PERIODS, useTopology } from "../helpers/redisTopology";

/** The reply of one command, or the error message it got. */
async function reply(endpoint: Endpoint, auth: Credentials, args: (string | number)[]) {
  return withConnection(endpoint, auth, async (c) => {
    try {
      return { ok: await c.call(String(args[0]), ...args.slice(1)) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  });
}

async function assertRefused(
  endpoint: Endpoint,
  auth: Credentials,
  commands: (string | number)[][],
) {
  for (const args of commands) {
    const result = await reply(endpoint, auth, args);
    assert.match(
      "error" in result ? String(result.error) : `accepted: ${JSON.stringify(result.ok)}`,
      /^NOPERM/,
      `${auth.username ?? "default"}: ${args.join(" ")}`,
    );
  }
}

async function assertAllowed(
  endpoint: Endpoint,
  auth: Credentials,
  commands: (string | number)[][],
) {
  for (const args of commands) {
    const result = await reply(endpoint, auth, args);
    assert.ok(
      !("error" in result),
      `${auth.username ?? "default"}: ${args.join(" ")}: ${"error" in result ? result.error : ""}`,
    );
  }
}

/** What the app user must never run on a Redis node (issue 18's list and the rest of @dangerous). */
const REDIS_REFUSED_TO_APP: (string | number)[][] = [
  ["EVAL", "return 1", 0],
  ["EVAL_RO", "return 1", 0],
  ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", 0],
  ["SCRIPT", "LOAD", "return 1"],
  ["SCRIPT", "FLUSH"],
  ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() return 1 end)"],
  ["FUNCTION", "FLUSH"],
  ["FCALL", "f", 0],
  ["CONFIG", "GET", "maxmemory"],
  ["CONFIG", "SET", "maxmemory", "1"],
  ["DEBUG", "SLEEP", 0],
  ["REPLICAOF", "NO", "ONE"],
  ["SLAVEOF", "NO", "ONE"],
  ["ACL", "LIST"],
  ["ACL", "SETUSER", "intruder", "on", ">x", "+@all"],
  ["ACL", "WHOAMI"],
  ["SHUTDOWN", "NOSAVE"],
  ["KEYS", "*"],
  ["FLUSHALL"],
  ["FLUSHDB"],
  ["MONITOR"],
  ["CLIENT", "KILL", "ID", 1],
  ["CLIENT", "PAUSE", 10, "WRITE"],
  ["SAVE"],
  ["BGREWRITEAOF"],
  ["FAILOVER"],
  ["MODULE", "LIST"],
  ["SWAPDB", 0, 1],
  ["PSYNC", "?", -1],
];

/** What the app user must never run on a sentinel. */
const SENTINEL_REFUSED_TO_APP = (set: string): (string | number)[][] => [
  ["SENTINEL", "SET", set, "quorum", 1],
  ["SENTINEL", "FAILOVER", set],
  ["SENTINEL", "RESET", "*"],
  ["SENTINEL", "REMOVE", set],
  ["SENTINEL", "MONITOR", "other", "127.0.0.1", 1, 1],
  ["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "no"],
  ["SENTINEL", "FLUSHCONFIG"],
  ["SENTINEL", "DEBUG"],
  ["SENTINEL", "CKQUORUM", set],
  ["ACL", "LIST"],
  ["SHUTDOWN"],
];

describe("ACL users (real redis-server / redis-sentinel with the stack's ACL files)", function () {
  this.timeout(60000);
  const topology = useTopology({
    sentinelPeriods: FAST_SENTINEL_PERIODS,
    enableDebugCommand: true,
  });
  const master = async (): Promise<Endpoint> => {
    const found = await sentinelAdmin(topology().settings()).master();
    assert.ok(found, "the sentinels name a master");
    return found;
  };
  const internal = (): Credentials => ({ password: topology().password });

  it("replication and Sentinel work under the narrow default user, and verify passes as operator", async () => {
    const report = await waitUntilVerified(
      topology().settings(),
      { nodes: topology().nodes() },
      30000,
    );
    assert.equal(report.ok, true, report.failures.join("\n"));
    assert.equal(topology().settings().username, "operator");
  });

  it("the app user gets NOPERM for every scripting and dangerous command on Redis", async () => {
    const m = await master();
    // Debian's redis-server answers DEBUG with ERR unless enable-debug-command is on; it is
    // here, so a NOPERM for DEBUG is the ACL's doing.
    await assertRefused(m, topology().app, REDIS_REFUSED_TO_APP);
  });

  it("the app user gets NOPERM for every Sentinel admin command", async () => {
    await assertRefused(
      topology().settings().sentinels[0],
      topology().app,
      SENTINEL_REFUSED_TO_APP(topology().tuning.masterSet),
    );
  });

  it("the app user can do what a client does, through Sentinel (ioredis)", async () => {
    const settings = topology().appSettings();
    const client = new Redis({
      sentinels: settings.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: settings.masterSet,
      username: settings.username,
      password: settings.password,
      sentinelUsername: settings.username,
      sentinelPassword: settings.password,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    client.on("error", () => undefined);
    try {
      await client.connect();
      assert.equal(await client.set("acl:app:k", "v", "PX", 60000), "OK");
      assert.equal(await client.get("acl:app:k"), "v");
      assert.equal(await client.incr("acl:app:n"), 1);
      assert.ok((await client.wait(1, 2000)) >= 1);
      const [[, multi]] = (await client.multi().set("acl:app:m", "1").exec()) ?? [[null, null]];
      assert.equal(multi, "OK");
      assert.match(await client.info("replication"), /role:master/);
      assert.equal(await client.publish("acl:app:channel", "x"), 0);
    } finally {
      client.disconnect();
    }
  });

  it("the operator user can do what verify, drill and preStop need, and no more", async () => {
    const m = await master();
    const op = topology().operator;
    await assertAllowed(m, op, [
      ["ROLE"],
      ["INFO", "replication"],
      ["SET", "acl:op:k", "1", "PX", 60000],
      ["WAIT", 1, 1000],
      ["GET", "acl:op:k"],
      ["CLIENT", "PAUSE", 10, "WRITE"],
      ["CLIENT", "UNPAUSE"],
    ]);
    await assertRefused(m, op, [
      ["CONFIG", "SET", "maxmemory", "1"],
      ["DEBUG", "SLEEP", 0],
      ["EVAL", "return 1", 0],
      ["FLUSHALL"],
      ["KEYS", "*"],
      ["ACL", "LIST"],
      ["REPLICAOF", "NO", "ONE"],
    ]);
    const sentinel = topology().settings().sentinels[0];
    const set = topology().tuning.masterSet;
    await assertAllowed(sentinel, op, [
      ["SENTINEL", "CKQUORUM", set],
      ["SENTINEL", "MASTER", set],
      ["SENTINEL", "REPLICAS", set],
      ["SENTINEL", "SENTINELS", set],
    ]);
    await assertRefused(sentinel, op, [
      ["SENTINEL", "SET", set, "quorum", 1],
      ["SENTINEL", "RESET", "*"],
      ["SENTINEL", "REMOVE", set],
      ["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "no"],
      ["ACL", "LIST"],
      ["SHUTDOWN"],
    ]);
  });

  it("the internal default user reads no key and runs no admin command beyond Sentinel's and the preStop's", async () => {
    const m = await master();
    const priority = (await reply(m, internal(), ["CONFIG", "GET", "replica-priority"])) as {
      ok: string[];
    };
    await assertAllowed(m, internal(), [
      ["PING"],
      ["INFO"],
      ["ROLE"],
      ["CONFIG", "GET", "maxmemory"],
      // The master's preStop demotes replicas a rollout has not restarted (and gives it back).
      ["CONFIG", "SET", "replica-priority", priority.ok[1]],
    ]);
    // Redis' protected configs stay out of CONFIG SET's reach (enable-protected-configs no).
    const dir = await reply(m, internal(), ["CONFIG", "SET", "dir", "/tmp"]);
    assert.match("error" in dir ? String(dir.error) : "accepted", /protected config/);
    await assertRefused(m, internal(), [
      ["GET", "acl:app:k"],
      ["SET", "x", "1"],
      ["KEYS", "*"],
      ["FLUSHALL"],
      ["DEBUG", "SLEEP", 0],
      ["EVAL", "return 1", 0],
      ["ACL", "LIST"],
      ["SHUTDOWN", "NOSAVE"],
    ]);
    await assertRefused(topology().settings().sentinels[0], internal(), [
      ["SENTINEL", "SET", topology().tuning.masterSet, "quorum", 1],
      ["SENTINEL", "RESET", "*"],
      ["ACL", "LIST"],
    ]);
  });

  it("a planned stop of the master fails over through the preStop hooks, run as operator", async () => {
    const before = await master();
    const notes: string[] = [];
    await topology().stop(before, (line) => notes.push(line));
    assert.ok(
      notes.some((n) => /failover done/.test(n)),
      notes.join("\n"),
    );
    const after = await master();
    assert.notEqual(
      after.port,
      before.port,
      "another node is master: Sentinel's REPLICAOF and CONFIG REWRITE went through as default",
    );
    await topology().restore(before);
    const report = await waitUntilVerified(
      topology().settings(),
      { nodes: topology().nodes() },
      30000,
    );
    assert.equal(report.ok, true, report.failures.join("\n"));
  });
});

describe("redisAllowScripting: the app user may run Lua", function () {
  this.timeout(60000);
  const topology = useTopology({ acl: { allowScripting: true }, enableDebugCommand: true });

  it("EVAL, SCRIPT LOAD and EVALSHA work; SCRIPT FLUSH, FUNCTION and the rest stay refused", async () => {
    const m = (await sentinelMasterOf(
      topology().settings().sentinels[0],
      topology().operator,
      topology().tuning.masterSet,
    )) as Endpoint;
    await assertAllowed(m, topology().app, [
      ["EVAL", "return 1", 0],
      ["SCRIPT", "LOAD", "return 1"],
      ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", 0],
    ]);
    await assertRefused(m, topology().app, [
      ["SCRIPT", "FLUSH"],
      ["SCRIPT", "KILL"],
      ["FUNCTION", "FLUSH"],
      ["CONFIG", "GET", "maxmemory"],
      ["DEBUG", "SLEEP", 0],
    ]);
  });
});

describe("redisAclRules: rules added to the stack's, on real servers", function () {
  this.timeout(60000);
  // What the config check lets through: a narrower app user, one more command for default.
  const extraRules = { app: ["-set", "resetkeys", "~cache:*"], default: ["+lastsave"] };
  const topology = useTopology({ acl: { extraRules }, sentinelPeriods: FAST_SENTINEL_PERIODS });

  it("narrow the app user as asked, and replication and Sentinel still work", async () => {
    for (const [user, rules] of Object.entries(extraRules)) {
      rules.forEach((rule, i) => {
        const problem = aclRuleProblem(user as "app" | "default", rule, {}, rules.slice(0, i));
        assert.equal(problem, undefined, rule);
      });
    }
    const report = await waitUntilVerified(
      topology().settings(),
      { nodes: topology().nodes() },
      30000,
    );
    assert.equal(report.ok, true, report.failures.join("\n"));
    const m = (await sentinelMasterOf(
      topology().settings().sentinels[0],
      topology().operator,
      topology().tuning.masterSet,
    )) as Endpoint;
    await assertRefused(m, topology().app, [["SET", "cache:a", "1"]]);
    await assertAllowed(m, topology().app, [
      ["GET", "cache:a"],
      ["INCR", "cache:n"],
    ]);
    await assertRefused(m, topology().app, [["GET", "other"]]);
    await assertAllowed(m, { password: topology().password }, [["LASTSAVE"]]);
  });
});

/** What a plaintext client gets from a port: the server's reply to PING, or how it ended. */
function plaintextPing(endpoint: Endpoint): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(endpoint.port, endpoint.host);
    let data = "";
    const done = (how: string): void => {
      socket.destroy();
      resolve(data === "" ? how : data);
    };
    socket.setTimeout(3000, () => done("timeout"));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => (data += chunk.toString("latin1")));
    socket.on("close", () => done("closed"));
    socket.on("error", (error) => done(error.message));
  });
}

describe("TLS with ACL users (real redis-server / redis-sentinel, port 0 and a TLS port)", function () {
  this.timeout(60000);
  const topology = useTopology({ tls: true, sentinelPeriods: FAST_SENTINEL_PERIODS });

  it("verify passes over TLS as operator, with the CA the servers' certificates chain to", async () => {
    assert.ok(topology().settings().tls?.ca.includes("BEGIN CERTIFICATE"));
    const report = await waitUntilVerified(
      topology().settings(),
      { nodes: topology().nodes() },
      30000,
    );
    assert.equal(report.ok, true, report.failures.join("\n"));
  });

  it("refuses plaintext clients on Redis and on Sentinel", async () => {
    for (const endpoint of [...topology().nodes(), ...topology().settings().sentinels]) {
      const answer = await plaintextPing(endpoint);
      assert.doesNotMatch(answer, /PONG|NOAUTH|NOPERM|ERR/, `${endpoint.port}: ${answer}`);
    }
  });

  it("refuses a TLS client that does not trust the CA", async () => {
    const other = {
      ...topology().app,
      tls: { ca: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" },
    };
    await assert.rejects(withConnection(topology().nodes()[0], other, (c) => c.ping()));
  });

  it("a planned stop of the master fails over through the preStop hooks over TLS", async () => {
    const before = (await sentinelAdmin(topology().settings()).master()) as Endpoint;
    const notes: string[] = [];
    await topology().stop(before, (line) => notes.push(line));
    assert.ok(
      notes.some((n) => /failover done/.test(n)),
      notes.join("\n"),
    );
    await topology().restore(before);
    const report = await waitUntilVerified(
      topology().settings(),
      { nodes: topology().nodes() },
      30000,
    );
    assert.equal(report.ok, true, report.failures.join("\n"));
  });
});
