import * as assert from "node:assert/strict";
import { EXIT, SentinelCliCommand, UsageError, runSentinelCli } from "../lib/sentinel/cliArgs";
import { KubernetesClientUnavailableError, RedisUnreachableError } from "../lib/sentinel/types";

/** Runs the shared CLI shell with stdout and stderr captured. */
async function run(command: Partial<SentinelCliCommand>, argv: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const { write: writeOut } = process.stdout;
  const { write: writeErr } = process.stderr;
  process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(chunk) > 0) as typeof process.stderr.write;
  try {
    const code = await runSentinelCli(
      { name: "test", help: "HELP\n", run: async () => ({ ok: true, output: "fine" }), ...command },
      argv,
    );
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

describe("sentinel CLI shell", () => {
  it("prints the output and exits 0 when the command holds, 1 when it fails", async () => {
    assert.deepEqual(await run({}), { code: EXIT.ok, out: "fine\n", err: "" });
    const failed = await run({ run: async () => ({ ok: false, output: "broken" }) });
    assert.equal(failed.code, EXIT.failed);
    assert.equal(failed.out, "broken\n");
  });

  it("exits 2 on an unknown flag or a failed validation, before running", async () => {
    let ran = false;
    const work = async () => {
      ran = true;
      return { ok: true, output: "" };
    };
    assert.equal((await run({ run: work }, ["--bogus"])).code, EXIT.usage);
    const invalid = await run({
      run: work,
      validate: () => {
        throw new UsageError("--scenarios: no such scenario");
      },
    });
    assert.equal(invalid.code, EXIT.usage);
    assert.match(invalid.err, /no such scenario/);
    assert.equal(ran, false);
  });

  it("prints the help and exits 0", async () => {
    assert.deepEqual(await run({}, ["--help"]), { code: EXIT.ok, out: "HELP\n", err: "" });
  });

  it("maps a missing Kubernetes client to 3, a usage error to 2, anything else to 1", async () => {
    const thrower = (error: Error) => async () => {
      throw error;
    };
    const noClient = await run({ run: thrower(new KubernetesClientUnavailableError("no client")) });
    assert.equal(noClient.code, EXIT.environment);
    assert.match(noClient.err, /^test: no client/);
    assert.equal((await run({ run: thrower(new UsageError("give a target")) })).code, EXIT.usage);
    assert.equal((await run({ run: thrower(new Error("boom")) })).code, EXIT.failed);
  });

  it("maps an unreachable target to its own exit code, with the addresses on stderr", async () => {
    const result = await run({
      run: async () => {
        throw new RedisUnreachableError(["10.0.0.5:26379", "10.0.0.6:26379"]);
      },
    });
    assert.equal(result.code, EXIT.unreachable);
    assert.equal(new Set(Object.values(EXIT)).size, Object.keys(EXIT).length, "codes are distinct");
    assert.match(
      result.err,
      /^test: cannot reach Redis\/Sentinel at 10\.0\.0\.5:26379,10\.0\.0\.6:26379/,
    );
  });

  it("writes the command's console lines to stderr, beside JSON on stdout", async () => {
    const result = await run({
      run: async () => ({ ok: false, output: "{}", console: "FAIL sentinel reachable" }),
    });
    assert.deepEqual(result, { code: EXIT.failed, out: "{}\n", err: "FAIL sentinel reachable\n" });
  });
});
