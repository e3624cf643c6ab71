/**
 * The local topology harness cleans up after itself: on close, when the body throws, and when
 * `drill:local` is interrupted with Ctrl-C (SIGINT), every process and the temp dir are gone.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalTopology, withLocalTopology } from "../../lib/sentinel/localTopology";
import { sleep } from "../../lib/sentinel/types";
import { assertPidsGone, pidsInDirectory, requireRedis } from "../helpers/redisTopology";

describe("sentinel local topology cleanup (real processes)", function () {
  this.timeout(60000);

  before(function () {
    requireRedis();
  });

  it("removes every process and the temp dir when the body throws", async () => {
    let seen: LocalTopology | undefined;
    await assert.rejects(
      withLocalTopology({}, async (topology) => {
        seen = topology;
        assert.equal(topology.livePids().length, 6);
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.ok(seen);
    await assertPidsGone(seen.pids());
    assert.equal(fs.existsSync(seen.dir), false);
  });

  it("removes every process and the temp dir when drill:local gets Ctrl-C", async () => {
    const root = path.join(__dirname, "..", "..");
    const child = spawn(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "cli/drill.ts",
        "--local",
        "--scenarios",
        "master-stall",
        "--svg",
        "/dev/null",
      ],
      { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 30000;
    let dir: string | undefined;
    while (!dir && Date.now() < deadline) {
      dir = /local topology in (\S+)/.exec(stderr)?.[1];
      await sleep(100);
    }
    let pids: number[] = [];
    try {
      assert.ok(dir, `drill did not start a topology: ${stderr}`);
      pids = pidsInDirectory(dir);
      assert.ok(pids.length >= 6, `expected the topology's processes, found ${pids.length}`);
    } finally {
      // Also when an assertion above failed: the child must not outlive the test.
      child.kill("SIGINT");
    }
    assert.equal(await exited, 130);
    assert.ok(dir);
    await assertPidsGone(pids);
    assert.deepEqual(pidsInDirectory(dir), []);
    assert.equal(fs.existsSync(dir), false);
  });
});
