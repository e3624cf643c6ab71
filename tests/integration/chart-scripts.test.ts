/**
 * The shell that runs in the pods, run here by bash: the preStop hooks the stack deploys (against a
 * fake redis-cli on PATH) and the replica-priority flag as the chart's start script expands it.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chartValues } from "../../lib/redis/chartValues";
import { sampleRedisConfig } from "../../lib/redis/sampleConfig";
import { preStopPlan, redisPreStopScript, sentinelPreStopScript } from "../../lib/topology/preStop";
import {
  CHART_DEFAULT_POD_SHUTDOWN,
  POD_SHUTDOWN,
  replicaPriorityForOrdinal,
} from "../../lib/tuning";

/**
 * bash reads ~/.bashrc when its stdin is a socket (Debian's "run by sshd" check), and Node's
 * default stdin pipe is a socketpair: the scripts get no stdin, as in a pod's exec hook.
 */
const NO_STDIN: ["ignore", "pipe", "pipe"] = ["ignore", "pipe", "pipe"];

/**
 * A fake redis-cli on PATH: logs each call, answers ROLE from a file, and names this pod as
 * master in the sentinel's replies until `switchAfter` queries have been made.
 */
function fakeRedisCli(role: string, switchAfter: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-fake-cli-"));
  fs.writeFileSync(
    path.join(dir, "redis-cli"),
    `#!/bin/bash
echo "$*" >> "${dir}/calls"
echo "$REDISCLI_AUTH" > "${dir}/auth"
master() { n=$(cat "${dir}/polls" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "${dir}/polls"
  if [ $n -gt ${switchAfter} ]; then echo "10.0.0.2 6379"; else echo "10.0.0.1 6379"; fi; }
case "$*" in
  *" ROLE") echo ${role}; echo 0 ;;
  *"SENTINEL MASTER "*) read -r ip port <<< "$(master)"; printf 'name\nmymaster\nip\n%s\nport\n%s\nflags\nmaster\n' "$ip" "$port" ;;
  *"GET-MASTER-ADDR-BY-NAME"*) read -r ip port <<< "$(master)"; printf '%s\n%s\n' "$ip" "$port" ;;
  *) echo OK ;;
esac
`,
    { mode: 0o755 },
  );
  const run = (script: string): { code: number; calls: string[]; auth: string } => {
    const result = spawnSync("bash", ["-c", script], {
      stdio: NO_STDIN,
      env: {
        PATH: `${dir}:${process.env.PATH ?? ""}`,
        REDIS_PORT: "6379",
        REDIS_SENTINEL_PORT: "26379",
      },
      encoding: "utf8",
    });
    const read = (file: string): string => {
      try {
        return fs.readFileSync(path.join(dir, file), "utf8");
      } catch {
        return "";
      }
    };
    const calls = read("calls")
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.replace(/^--no-auth-warning --user operator -h 127\.0\.0\.1 -p \d+ /, ""));
    const auth = read("auth").trim();
    fs.rmSync(dir, { recursive: true, force: true });
    return { code: result.status ?? -1, calls, auth };
  };
  return { run };
}

describe("drill: the preStop hooks the stack deploys (bash, against a fake redis-cli)", () => {
  it("renders the chart 23.1.1 arithmetic from the grace period", () => {
    assert.deepEqual(preStopPlan(POD_SHUTDOWN), {
      pauseMs: (2 + POD_SHUTDOWN.terminationGracePeriodSeconds - 10) * 1000,
      waitPolls: POD_SHUTDOWN.terminationGracePeriodSeconds - 10,
      pollIntervalMs: 1000,
      doneWhen: "switch",
      demoteNotRestarted: true,
      steerSeconds: POD_SHUTDOWN.terminationGracePeriodSeconds - 20,
    });
    assert.equal(preStopPlan(CHART_DEFAULT_POD_SHUTDOWN, "chart").demoteNotRestarted, false);
    assert.equal(preStopPlan(CHART_DEFAULT_POD_SHUTDOWN, "chart").pauseMs, 22000);
    assert.throws(
      () => preStopPlan({ terminationGracePeriodSeconds: 10 }),
      /terminationGracePeriodSeconds: 10 is not allowed; use an integer of at least 11/,
    );
  });

  const plan = { ...preStopPlan({ terminationGracePeriodSeconds: 15 }), pollIntervalMs: 10 };
  // What the pods mount from the ACL Secret: the operator user's password, read by the hooks.
  const passwordDir = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-operator-"));
  const operatorPasswordFile = path.join(passwordDir, "operator-password");
  fs.writeFileSync(operatorPasswordFile, "s3cret-password");
  after(() => fs.rmSync(passwordDir, { recursive: true, force: true }));
  const identity = { masterSet: "mymaster", selfHostExpression: "10.0.0.1", operatorPasswordFile };

  it("does nothing on a replica", () => {
    const { code, calls } = fakeRedisCli("slave", 0).run(redisPreStopScript(plan, identity));
    assert.equal(code, 0);
    assert.deepEqual(calls, ["ROLE"]);
  });

  it("on the master: pauses writes, fails over, and waits for the sentinel's master record to change", () => {
    const { code, calls, auth } = fakeRedisCli("master", 3).run(redisPreStopScript(plan, identity));
    assert.equal(code, 0);
    assert.deepEqual(calls, [
      "ROLE",
      "SENTINEL MASTER mymaster",
      "CLIENT PAUSE 7000 WRITE",
      "SENTINEL FAILOVER mymaster",
      "SENTINEL MASTER mymaster",
      "SENTINEL MASTER mymaster",
      "SENTINEL MASTER mymaster",
    ]);
    assert.equal(auth, "s3cret-password", "the operator's password goes through REDISCLI_AUTH");
    assert.ok(!calls.some((c) => c.includes("s3cret")), "never on a command line");
  });

  it("gives up with exit 1 once grace - 10 s have passed since the hook started", function () {
    this.timeout(10000);
    const short = { ...preStopPlan({ terminationGracePeriodSeconds: 12 }), pollIntervalMs: 10 };
    const started = Date.now();
    const { code } = fakeRedisCli("master", 1_000_000).run(redisPreStopScript(short, identity));
    const seconds = (Date.now() - started) / 1000;
    assert.equal(code, 1);
    // bash counts SECONDS in whole seconds of the clock: 2 means between 1 and 2 s of wall time.
    assert.ok(seconds >= 1 && seconds < 4, `gave up after ${seconds} s, not about 2`);
  });

  it("skips a master whose failover is already done", () => {
    const { code, calls } = fakeRedisCli("master", 0).run(redisPreStopScript(plan, identity));
    assert.equal(code, 0);
    assert.deepEqual(calls, ["ROLE", "SENTINEL MASTER mymaster"]);
  });

  it("the sentinel container's hook only waits", () => {
    const { code, calls } = fakeRedisCli("master", 2).run(sentinelPreStopScript(plan, identity));
    assert.equal(code, 0);
    assert.deepEqual(calls, [
      "SENTINEL MASTER mymaster",
      "SENTINEL MASTER mymaster",
      "SENTINEL MASTER mymaster",
    ]);
  });

  it("the chart's own sequence asks GET-MASTER-ADDR-BY-NAME instead (for the comparison)", () => {
    const chart = { ...plan, doneWhen: "chart" as const };
    const { code, calls } = fakeRedisCli("master", 1).run(redisPreStopScript(chart, identity));
    assert.equal(code, 0);
    assert.deepEqual(calls, [
      "ROLE",
      "SENTINEL GET-MASTER-ADDR-BY-NAME mymaster",
      "CLIENT PAUSE 7000 WRITE",
      "SENTINEL FAILOVER mymaster",
      "SENTINEL GET-MASTER-ADDR-BY-NAME mymaster",
    ]);
  });
});

describe("the chart's start script: replica priority per pod", () => {
  it("gives each pod the replica-priority of its ordinal, as bash expands the chart's ARGS line", () => {
    const values = chartValues(sampleRedisConfig(), {
      existingSecretName: "redis-password",
      aclSecretName: "redis-acl",
    });
    const flags = (values.replica as { extraFlags: string[] }).extraFlags;
    assert.equal(flags[0], "--replica-priority");
    // start-node.sh renders each flag as ARGS+=({{ . | quote }}); Go's %q equals JSON here.
    const script = `ARGS=(); ${flags.map((f) => `ARGS+=(${JSON.stringify(f)})`).join("; ")}; echo "\${ARGS[1]}"`;
    for (const ordinal of [0, 1, 2]) {
      const rendered = execFileSync("bash", ["-c", script], {
        stdio: NO_STDIN,
        env: { HOSTNAME: `redis-node-${ordinal}` },
        encoding: "utf8",
      }).trim();
      assert.equal(Number(rendered), replicaPriorityForOrdinal(ordinal), `node-${ordinal}`);
    }
  });
});
