/**
 * The local topology harness cleans up after itself: on close, when the body throws, and when
 * `drill:local` is interrupted with Ctrl-C (SIGINT), every process and the temp dir are gone.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalTopology, withLocalTopology } from "../../lib/topology/io/localTopology";
import { sleep } from "../../lib/sentinel/ports";
import { PROJECT_DIR } from "../helpers/paths";
import { transpileForChildren } from "../helpers/process";
import { assertPidsGone, pidsInDirectory, requireRedis } from "../helpers/redisTopology";

describe("sentinel local topology cleanup (real processes)", function () {
  this.timeout(60000);

  const compiledDir = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-drill-cli-"));

  before(function () {
    requireRedis();
  });
  after(() => fs.rmSync(compiledDir, { recursive: true, force: true }));

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
    // cli/drill.ts transpiled as ts-node would, without ts-node's second of CPU at start.
    const drillScript = (await transpileForChildren(compiledDir, ["cli/drill.ts"]))("cli/drill.ts");
    const child = spawn(
      process.execPath,
      [drillScript, "--local", "--scenarios", "master-stall", "--svg", "/dev/null"],
      { cwd: PROJECT_DIR, stdio: ["ignore", "ignore", "pipe"] },
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
      // The drill names its directory as it starts the first process: wait for all six.
      for (pids = pidsInDirectory(dir); pids.length < 6 && Date.now() < deadline;) {
        await sleep(100);
        pids = pidsInDirectory(dir);
      }
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
