/**
 * The shared command-line shell (lib/cli) in-process: the flag parser's problems, help, and the
 * mapping from what a command throws to the one exit-code table; verify's and drill's programs
 * on it.
 */
import * as assert from "node:assert/strict";

import {
  CliProgram,
  ExitCode,
  ExitCodeValue,
  HELP,
  ToolMissingError,
  UsageError,
  parseFlags,
  runCli,
} from "../../lib/cli";
import { drillProgram } from "../../cli/drill";
import { verifyProgram } from "../../cli/verify";
import { KubernetesClientUnavailableError, RedisUnreachableError } from "../../lib/sentinel/ports";

/** Runs a program through the shell with stdout and stderr captured. */
/** The password the Sentinel CLIs take from the environment, never from a flag. */
const PASSWORD_ENV = { REDIS_PASSWORD: "p" };

async function capture<O>(program: CliProgram<O>, argv: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const { write: writeOut } = process.stdout;
  const { write: writeErr } = process.stderr;
  process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(chunk) > 0) as typeof process.stderr.write;
  try {
    const code = await runCli(program, argv);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

function program(
  run: () => Promise<ExitCodeValue>,
  failure: ExitCodeValue = ExitCode.verifyFailed,
): CliProgram<true> {
  return {
    name: "test",
    help: "Usage: test [--x]\n\nmore\n",
    failure,
    parse: (argv) => {
      const flags = parseFlags(argv, { x: { type: "boolean" } });
      if (flags.help) return HELP;
      flags.finish();
      return true;
    },
    run,
  };
}

describe("cli shell", () => {
  it("collects every flag problem at once; --help/-h wins", () => {
    const flags = parseFlags(
      ["--a", "--b=1", "--s", "--t", "--u=", "--n", "x", "--n", "y", "pos"],
      {
        a: { type: "boolean" },
        b: { type: "boolean" },
        s: { type: "string" },
        t: { type: "string" },
        u: { type: "string" },
        n: { type: "string" },
      },
    );
    assert.throws(
      () => flags.finish(),
      (error: Error) =>
        error instanceof UsageError &&
        error.message ===
          [
            "--b: takes no value",
            "--s: needs a value",
            "--u: needs a value",
            "--n: given more than once; give it once",
            "pos: unexpected argument (flags only)",
          ].join("\n"),
    );
    assert.equal(parseFlags(["--zzz", "-h"], {}).help, true);
    const numbers = parseFlags(["--k", "2.5"], { k: { type: "string" } });
    assert.equal(numbers.integer("k", 1, 10), undefined);
    assert.throws(() => numbers.finish(), /--k: "2.5" is not allowed; use an integer from 1 to 10/);
  });

  it("prints the help and exits 0; a usage error exits 2 with the usage line", async () => {
    const ok = async () => ExitCode.ok;
    assert.deepEqual(await capture(program(ok), ["-h"]), {
      code: ExitCode.ok,
      out: "Usage: test [--x]\n\nmore\n",
      err: "",
    });
    const bad = await capture(program(ok), ["--y"]);
    assert.equal(bad.code, ExitCode.usage);
    assert.equal(
      bad.err,
      "test: --y: unknown flag; use --help to list the flags\nUsage: test [--x]\nRun with --help for every flag.\n",
    );
  });

  it("maps what a command throws: usage 2, tool missing 3, unreachable 18, else its failure", async () => {
    const thrower = (error: Error) => async (): Promise<ExitCodeValue> => {
      throw error;
    };
    const cases: [Error, ExitCodeValue][] = [
      [new UsageError('--outputs: "/x": no such file'), ExitCode.usage],
      [new ToolMissingError("redis-server not found"), ExitCode.toolMissing],
      [new KubernetesClientUnavailableError("no client"), ExitCode.toolMissing],
      [new RedisUnreachableError(["10.0.0.5:26379"]), ExitCode.redisUnreachable],
      [new Error("boom"), ExitCode.verifyFailed],
    ];
    for (const [error, code] of cases) {
      const result = await capture(program(thrower(error)));
      assert.equal(result.code, code, error.message);
    }
    const unreachable = await capture(
      program(thrower(new RedisUnreachableError(["10.0.0.5:26379", "10.0.0.6:26379"]))),
    );
    assert.match(
      unreachable.err,
      /^test: cannot reach Redis\/Sentinel at 10\.0\.0\.5:26379,10\.0\.0\.6:26379/,
    );
  });

  describe("verify and drill programs", () => {
    it("exit 0 when the check holds, 12 (verify) or 13 (drill) when it fails", async () => {
      const fine = await capture(
        verifyProgram(PASSWORD_ENV, async () => ({ ok: true, stdout: "fine" })),
        ["--sentinel", "h:1"],
      );
      assert.deepEqual(fine, { code: ExitCode.ok, out: "fine\n", err: "" });
      const failedVerify = await capture(
        verifyProgram(PASSWORD_ENV, async () => ({
          ok: false,
          stdout: "{}",
          stderr: "FAIL sentinel reachable",
        })),
        ["--sentinel", "h:1"],
      );
      assert.deepEqual(failedVerify, {
        code: ExitCode.verifyFailed,
        out: "{}\n",
        err: "FAIL sentinel reachable\n",
      });
      let ran = false;
      const drill = drillProgram(async () => {
        ran = true;
        return { ok: false, stdout: "broken" };
      });
      assert.equal((await capture(drill, ["--outputs", "o.json", "--bogus"])).code, ExitCode.usage);
      assert.equal(ran, false, "a usage error stops before the run");
      assert.equal((await capture(drill, ["--outputs", "o.json"])).code, ExitCode.drillFailed);
    });
  });
});
