/**
 * The real driver CLI's preflight in a child process: a usage error, a missing Pulumi CLI and a
 * missing passphrase, each with its exit code (and the JSON summary).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ExitCode } from "../../lib/cli";
import { PROJECT_DIR } from "../helpers/paths";
import { runProcess, transpileForChildren } from "../helpers/process";

describe("automation CLI (child process)", function () {
  // Each run loads the Automation API (a second or more): the CLI is transpiled once, the runs
  // start together in `before`, and the tests check their results.
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "automation-cli-"));
  const json = path.join(tmp, "summary.json");
  const emptyJson = path.join(tmp, "empty-passphrase.json");
  /** Where the stand-in `pulumi` writes its arguments when it is run. */
  const pulumiCalls = path.join(tmp, "pulumi-calls");
  interface Result {
    code: number | null;
    out: string;
    err: string;
  }
  const results: Record<"usage" | "noCli" | "noPassphrase" | "emptyPassphrase", Result> = {
    usage: { code: null, out: "", err: "" },
    noCli: { code: null, out: "", err: "" },
    noPassphrase: { code: null, out: "", err: "" },
    emptyPassphrase: { code: null, out: "", err: "" },
  };

  let compiledCli = "";

  function cli(
    args: string[],
    pathDirs: string[],
    extraEnv: Record<string, string>,
  ): Promise<Result> {
    return runProcess(process.execPath, [compiledCli, ...args], {
      cwd: PROJECT_DIR,
      // A clean environment: no passphrase, no backend, PATH only as given (plus node).
      env: {
        HOME: tmp,
        PATH: [...pathDirs, path.dirname(process.execPath)].join(path.delimiter),
        ...extraEnv,
      },
    }).then(({ code, stdout, stderr }) => ({ code, out: stdout, err: stderr }));
  }

  before(async () => {
    compiledCli = (await transpileForChildren(path.join(tmp, "compiled"), ["cli/automation.ts"]))(
      "cli/automation.ts",
    );
    // A stand-in `pulumi` so the passphrase check is reached; the driver never runs it there.
    const bin = path.join(tmp, "bin");
    fs.mkdirSync(bin);
    // It records every call: the passphrase checks must refuse before any engine call.
    fs.writeFileSync(
      path.join(bin, "pulumi"),
      `#!/bin/sh\necho "$@" >> ${pulumiCalls}\nexit 99\n`,
      {
        mode: 0o755,
      },
    );
    const [usage, noCli, noPassphrase, emptyPassphrase] = await Promise.all([
      cli(["up"], [], {}),
      cli(["up", "-s", "dev", "--json", json], ["/nonexistent"], { PULUMI_CONFIG_PASSPHRASE: "x" }),
      cli(["preview", "-s", "dev"], [bin], {}),
      // What a workflow passes when the secret is not defined: `${{ secrets.X }}` is "".
      cli(["up", "-s", "dev", "--json", emptyJson], [bin], { PULUMI_CONFIG_PASSPHRASE: "" }),
    ]);
    Object.assign(results, { usage, noCli, noPassphrase, emptyPassphrase });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("a usage error exits 2 and points to --help", () => {
    assert.equal(results.usage.code, ExitCode.usage, results.usage.err);
    assert.match(results.usage.err, /up needs --stack/);
    assert.match(results.usage.err, /--help/);
  });

  it("a missing Pulumi CLI exits 3 with install instructions and a JSON summary", () => {
    assert.equal(results.noCli.code, ExitCode.toolMissing, results.noCli.err);
    assert.match(results.noCli.err, /Pulumi CLI was not found on PATH/);
    const summary = JSON.parse(fs.readFileSync(json, "utf8")) as { exitCode: number };
    assert.equal(summary.exitCode, ExitCode.toolMissing);
  });

  it("an empty passphrase exits 20 before any engine call, with a JSON summary", () => {
    assert.equal(
      results.emptyPassphrase.code,
      ExitCode.passphraseEmpty,
      results.emptyPassphrase.err,
    );
    assert.match(results.emptyPassphrase.err, /PULUMI_CONFIG_PASSPHRASE is set but empty/);
    assert.equal(fs.existsSync(pulumiCalls), false, "the driver ran pulumi");
    const summary = JSON.parse(fs.readFileSync(emptyJson, "utf8")) as { exitCode: number };
    assert.equal(summary.exitCode, ExitCode.passphraseEmpty);
  });

  it("a missing passphrase exits 4", () => {
    assert.equal(results.noPassphrase.code, ExitCode.passphraseMissing, results.noPassphrase.err);
    assert.match(results.noPassphrase.err, /PULUMI_CONFIG_PASSPHRASE/);
  });
});
