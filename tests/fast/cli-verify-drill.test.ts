/**
 * cli/verify.ts and cli/drill.ts without Redis: their flags (every problem at once, one line
 * each; the password only from the environment) and the deployment target built from saved
 * stack outputs (lib/cli/targets.ts).
 */
import * as assert from "node:assert/strict";

import { DrillOptions, parseDrillArgs } from "../../cli/drill";
import { VerifyOptions, parseVerifyArgs } from "../../cli/verify";
import { HELP, UsageError } from "../../lib/cli";
import { targetFromOutputs } from "../../lib/cli/io/targets";
import { ContractError } from "../../lib/contract";
import { SAMPLE_KUBECONFIG, sampleOutputs } from "../helpers/outputs";

describe("verify and drill CLI flags", () => {
  const verify = (argv: string[], env: Record<string, string> = {}): VerifyOptions => {
    const options = parseVerifyArgs(argv, env);
    assert.ok(options !== HELP);
    return options;
  };
  const drill = (argv: string[]): DrillOptions => {
    const options = parseDrillArgs(argv);
    assert.ok(options !== HELP);
    return options;
  };

  it("parses targets and output flags", () => {
    const options = verify(
      ["--sentinel", "127.0.0.1:26379,127.0.0.1:26380", "--sentinel=10.0.0.1:26379", "--json"],
      { REDIS_PASSWORD: "pw" },
    );
    assert.deepEqual(options.sentinels, [
      { host: "127.0.0.1", port: 26379 },
      { host: "127.0.0.1", port: 26380 },
      { host: "10.0.0.1", port: 26379 },
    ]);
    assert.equal(options.json, true);
    assert.equal(options.password, "pw");
    assert.equal(verify(["--sentinel", "h:1"], { REDIS_PASSWORD: "e" }).password, "e");
    assert.deepEqual(drill(["--local", "--scenarios", "master-crash, all-down"]).scenarios, [
      "master-crash",
      "all-down",
    ]);
    assert.equal(parseDrillArgs(["--bogus", "-h"]), HELP);
    assert.equal(drill(["--local", "--cpu-load"]).cpuLoad, true);
    assert.equal(drill(["--local"]).cpuLoad, false);
    assert.throws(() => drill(["--local", "--cpu-load=2"]), /--cpu-load: takes no value/);
  });

  it("reports every problem at once, one line each", () => {
    assert.throws(
      () =>
        verify([
          "--bogus",
          "--sentinel",
          "nohost",
          "--nodes",
          "1",
          "--local",
          "--outputs",
          "o.json",
        ]),
      (error: Error) =>
        error instanceof UsageError &&
        error.message ===
          [
            "--bogus: unknown flag; use --help to list the flags",
            '--sentinel: "nohost" is not host:port',
            '--nodes: "1" is not allowed; use an integer of at least 2',
            "choose one target: --local, --outputs <file>, or --sentinel host:port",
            "--sentinel: needs the password in $REDIS_PASSWORD",
          ].join("\n"),
    );
    assert.throws(
      () => verify(["--sentinel", "h:1", "--password", "hunter22"], { REDIS_PASSWORD: "e" }),
      (error: Error) =>
        error instanceof UsageError &&
        /--password: a password on the command line shows in `ps` and logs; set REDIS_PASSWORD/.test(
          error.message,
        ) &&
        !error.message.includes("hunter22"),
    );
    assert.throws(() => drill(["--chart-defaults"]), /only applies to --local/);
    assert.throws(() => drill([]), /give a target: --local or --outputs <file>/);
    assert.throws(() => drill(["--sentinel", "h:1"]), /--sentinel: unknown flag/);
    assert.throws(
      () => drill(["--local", "--scenarios", "master-crash,graceful"]),
      /--scenarios: unknown graceful; use one of master-crash,/,
    );
    assert.throws(() => verify(["--local", "--kubeconfig", "k"]), /only applies to --outputs/);
    assert.throws(() => verify(["--local", "--outputs"]), /--outputs: needs a value/);
  });

  const outputs = sampleOutputs({ nodes: 5 }, { redisReleaseName: "cache" });

  it("builds a deployment target from stack outputs through the contract", () => {
    const target = targetFromOutputs(outputs, undefined);
    assert.equal(target.releaseName, "cache");
    assert.equal(target.kubeconfig, SAMPLE_KUBECONFIG);
    assert.equal(target.nodes, 5, "one node per sentinel host");
    assert.equal(targetFromOutputs(outputs, "override").kubeconfig, "override");
    assert.throws(
      () => targetFromOutputs({ ...outputs, kubeconfig: "[secret]" }, undefined, "o.json"),
      (error: Error) =>
        error instanceof ContractError &&
        /"kubeconfig" is masked \("\[secret\]"\): read the outputs with --show-secrets/.test(
          error.message,
        ),
    );
    assert.throws(() => targetFromOutputs([], undefined), UsageError);
  });
});
