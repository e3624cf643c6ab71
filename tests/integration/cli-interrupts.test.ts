/**
 * The one interrupt policy (lib/cli/interrupts.ts) in real child processes: an immediate stop
 * runs the registered cleanups and exits with the signal's code; a graceful command (the
 * driver) is told at the first interrupt and finishes by itself, and a second one exits at once.
 * (drill:local under Ctrl-C: tests/integration/topology-local.test.ts.)
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ExitCode } from "../../lib/cli";
import { PROJECT_DIR } from "../helpers/paths";
import { transpileForChildren } from "../helpers/process";

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

describe("interrupt policy (child processes)", function () {
  this.timeout(30_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-interrupts-"));
  let script = "";

  before(async () => {
    const fixture = "tests/fixtures/interruptible.ts";
    script = (await transpileForChildren(tmp, [fixture]))(fixture);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Starts the fixture, sends `signals` once it is ready (one every 200 ms), and waits for its end. */
  function interrupt(args: string[], signals: NodeJS.Signals[]): Promise<Run> {
    const child = spawn(process.execPath, [script, ...args], { cwd: PROJECT_DIR });
    let out = "";
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    return new Promise((resolve) => {
      let sent = false;
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (sent || !out.includes("ready\n")) return;
        sent = true;
        signals.forEach((signal, i) => setTimeout(() => child.kill(signal), 200 * i));
      });
      child.on("close", (code) => resolve({ code, out, err }));
    });
  }

  it("stops at the first interrupt after the cleanups, with the signal's code", async () => {
    const term = await interrupt([], ["SIGTERM"]);
    assert.equal(term.code, ExitCode.terminated, term.err);
    assert.match(term.out, /cleanup ran/);
    assert.doesNotMatch(term.out, /stopped by itself/);
    assert.equal(term.err, "\ninterrupted by SIGTERM: cleaned up\n");
    const int = await interrupt([], ["SIGINT"]);
    assert.equal(int.code, ExitCode.interrupted, int.err);
  });

  it("lets a graceful command finish after the first interrupt", async () => {
    const run = await interrupt(["--graceful"], ["SIGINT"]);
    assert.equal(run.code, ExitCode.ok, run.err);
    assert.match(run.out, /^ready\nfirst interrupt\nstopped by itself \(interrupted: true\)\n$/);
  });

  it("exits a graceful command at once at the second interrupt", async () => {
    const run = await interrupt(["--graceful", "--slow"], ["SIGINT", "SIGINT"]);
    assert.equal(run.code, ExitCode.interrupted, run.err);
    assert.match(run.out, /first interrupt/);
    assert.equal(run.err, "second interrupt\n");
  });
});
