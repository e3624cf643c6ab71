/**
 * The driver's command line, environment checks, progress lines and exit-code mapping (pure;
 * the real CLI's preflight in a child process is tests/integration/cli-automation-preflight.test.ts).
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";

import { ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";

import { ContractError } from "../../lib/contract";
import {
  FileProbe,
  checkPassphrase,
  findPulumiCli,
  resolveBackend,
} from "../../lib/automation/preflight";
import {
  LeftoversError,
  PassphraseEmptyError,
  PassphraseMissingError,
  PulumiCliMissingError,
  exitCodeFor,
  runExitCode,
} from "../../lib/automation/failures";
import { ephemeralStackName } from "../../lib/automation/workflows/ephemeralWorkflow";
import { ExitCode, UsageError } from "../../lib/cli";
import { RedisUnreachableError } from "../../lib/sentinel/ports";
import { SecretSources, parseCommandLine } from "../../cli/automation";
import { formatElapsed, formatEngineEvent } from "../../lib/automation/progress";

function probe(
  executables: string[] = [],
  readable: string[] = [],
  blank: string[] = [],
): FileProbe {
  return {
    isExecutable: (file) => executables.includes(file),
    isReadable: (file) => readable.includes(file) || blank.includes(file),
    isBlank: (file) => blank.includes(file),
  };
}

const SOURCES: SecretSources = {
  env: { KUBECONFIG_TEXT: "apiVersion: v1" },
  readFile(file) {
    const files: Record<string, string> = { "/run/secrets/redis": "p=w\n", "/empty": "\n" };
    if (!(file in files)) throw new Error(`ENOENT: ${file}`);
    return files[file];
  },
};

describe("automation options", () => {
  it("parses a command with stack, region, repeated config and secrets", () => {
    const parsed = parseCommandLine(
      [
        "up",
        "--stack",
        "dev",
        "--region",
        "us-west-2",
        "-c",
        "andyredis:redisNodes=5",
        "--config",
        "aws:profile=ci=x",
        "--secret-file",
        "andyredis:redisPassword=/run/secrets/redis",
        "--secret-env",
        "andyredis:kubeconfig=KUBECONFIG_TEXT",
        "--json",
        "out.json",
      ],
      SOURCES,
    );
    assert.equal(parsed.kind, "run");
    if (parsed.kind !== "run") return;
    assert.equal(parsed.options.command, "up");
    assert.equal(parsed.options.stack, "dev");
    assert.equal(parsed.options.jsonFile, "out.json");
    assert.equal(parsed.options.secretsProvider, "passphrase");
    assert.deepEqual(parsed.options.config, [
      { key: "andyredis:region", value: "us-west-2", secret: false },
      { key: "andyredis:redisNodes", value: "5", secret: false },
      // Only the first "=" splits: values may contain "=".
      { key: "aws:profile", value: "ci=x", secret: false },
      // One trailing newline of the file is dropped; an "=" in a value is kept.
      { key: "andyredis:redisPassword", value: "p=w", secret: true },
      { key: "andyredis:kubeconfig", value: "apiVersion: v1", secret: true },
    ]);
  });

  it("refuses a secret on the command line, naming the flags to use instead", () => {
    assert.throws(
      () => parseCommandLine(["up", "-s", "dev", "--secret", "andyredis:redisPassword=hunter22"]),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /--secret-file <key=path> or --secret-env <key=VAR>/);
        assert.doesNotMatch(error.message, /hunter22/);
        return true;
      },
    );
  });

  const secretSourceErrors: [string, string[], RegExp][] = [
    [
      "an unreadable secret file",
      ["--secret-file", "andyredis:redisPassword=/missing"],
      /--secret-file andyredis:redisPassword: cannot read the file "\/missing"/,
    ],
    [
      "an empty secret file",
      ["--secret-file", "andyredis:redisPassword=/empty"],
      /the file "\/empty" is empty/,
    ],
    [
      "an unset environment variable",
      ["--secret-env", "andyredis:redisPassword=NOT_SET"],
      /the environment variable NOT_SET is not set/,
    ],
    [
      "a bad variable name",
      ["--secret-env", "andyredis:redisPassword=1-x"],
      /"1-x" is not an environment variable name/,
    ],
  ];
  for (const [what, flags, message] of secretSourceErrors) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parseCommandLine(["up", "-s", "dev", ...flags], SOURCES), message);
    });
  }

  it("returns help for --help whatever else is given", () => {
    assert.deepEqual(parseCommandLine(["--help"]), { kind: "help" });
    assert.deepEqual(parseCommandLine(["up", "-h"]), { kind: "help" });
  });

  const usageErrors: [string, string[], RegExp][] = [
    ["no command", [], /a command is required/],
    ["an unknown command", ["deploy"], /unknown command "deploy"/],
    ["an unknown option", ["up", "--stak", "dev"], /--stak: unknown flag/],
    ["an option without its value", ["up", "-s"], /-s: needs a value/],
    [
      "a malformed stack tag, before the audit runs",
      ["audit", "--stack-tag", "bad"],
      /--stack-tag "bad": expected <org>\/<project>\/<stack>/,
    ],
    ["a missing stack", ["up"], /up needs --stack/],
    ["audit without stack or tag", ["audit"], /audit needs --stack <name> or --stack-tag/],
    ["config without =", ["up", "-s", "dev", "-c", "redisNodes"], /expected key=value/],
    ["a bad config key", ["up", "-s", "dev", "-c", "a b=1"], /config key is/],
    [
      "a key set twice",
      ["up", "-s", "dev", "--region", "eu-west-1", "-c", "andyredis:region=x"],
      /set more than once/,
    ],
    ["a bad region", ["up", "-s", "dev", "--region", "Seoul"], /expected an AWS region/],
    ["a bad stack name", ["up", "-s", "my stack"], /--stack "my stack"/],
    [
      "config where no program runs",
      ["verify", "-s", "dev", "-c", "a=1"],
      /--config\/--secret-file\/--secret-env applies only to/,
    ],
    [
      "--remove outside destroy",
      ["up", "-s", "dev", "--remove"],
      /--remove applies only to: destroy/,
    ],
    ["--run-id outside ephemeral", ["up", "-s", "dev", "--run-id", "1"], /--run-id applies only/],
    ["extra arguments", ["up", "dev"], /unexpected arguments: dev/],
    [
      "an unknown drill scenario, before anything is deployed",
      ["ephemeral", "--scenario", "master-crsh"],
      /--scenario "master-crsh": use one of master-crash, /,
    ],
  ];
  for (const [what, argv, message] of usageErrors) {
    it(`rejects ${what} with a UsageError`, () => {
      assert.throws(
        () => parseCommandLine(argv),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it("lists every problem at once", () => {
    assert.throws(
      () => parseCommandLine(["up", "-c", "x", "--region", "nowhere"]),
      /needs --stack[\s\S]*expected key=value|expected key=value[\s\S]*needs --stack/,
    );
  });

  it("names ephemeral stacks uniquely, or after the run id", () => {
    const now = new Date(Date.UTC(2026, 10, 26, 16, 5, 9, 123));
    assert.equal(
      ephemeralStackName(undefined, undefined, now, () => 0),
      "ephemeral-20261126-160509-0000",
    );
    assert.equal(
      ephemeralStackName("pr-7", undefined, now, () => 0.99999),
      "pr-7-20261126-160509-ffff",
    );
  });
});

describe("automation environment", () => {
  it("finds the Pulumi CLI on PATH", () => {
    const env = { PATH: ["/usr/bin", "/home/ci/.pulumi/bin"].join(path.delimiter) };
    assert.equal(
      findPulumiCli(env, probe(["/home/ci/.pulumi/bin/pulumi"]), "linux"),
      "/home/ci/.pulumi/bin/pulumi",
    );
  });

  it("explains how to install the CLI when it is missing", () => {
    assert.throws(
      () => findPulumiCli({ PATH: "/usr/bin" }, probe(), "linux"),
      (error: unknown) =>
        error instanceof PulumiCliMissingError &&
        /not found on PATH/.test(error.message) &&
        /get\.pulumi\.com/.test(error.message),
    );
  });

  it("accepts a passphrase or a readable passphrase file", () => {
    checkPassphrase({ PULUMI_CONFIG_PASSPHRASE: "x" }, "passphrase", probe());
    checkPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: "/p" }, "passphrase", probe([], ["/p"]));
  });

  it("refuses an empty passphrase (what CI passes for an undefined secret) with its own error", () => {
    const empty = (error: unknown): boolean =>
      error instanceof PassphraseEmptyError && exitCodeFor(error) === ExitCode.passphraseEmpty;
    for (const phrase of ["", "  ", "\n"]) {
      assert.throws(
        () => checkPassphrase({ PULUMI_CONFIG_PASSPHRASE: phrase }, "passphrase", probe()),
        (error: unknown) =>
          empty(error) && /PULUMI_CONFIG_PASSPHRASE is set but empty/.test(String(error)),
      );
    }
    // Pulumi takes the variable, even empty, before the file: a good file does not save it.
    assert.throws(
      () =>
        checkPassphrase(
          { PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: "/p" },
          "passphrase",
          probe([], ["/p"]),
        ),
      empty,
    );
    assert.throws(
      () =>
        checkPassphrase(
          { PULUMI_CONFIG_PASSPHRASE_FILE: "/blank" },
          "passphrase",
          probe([], [], ["/blank"]),
        ),
      (error: unknown) => empty(error) && /"\/blank", which is empty/.test(String(error)),
    );
    assert.equal(ExitCode.passphraseEmpty, 20);
    assert.notEqual(ExitCode.passphraseEmpty, ExitCode.passphraseMissing);
  });

  it("rejects a missing passphrase, or an unreadable file, naming the variables", () => {
    assert.throws(
      () => checkPassphrase({}, "passphrase", probe()),
      (error: unknown) =>
        error instanceof PassphraseMissingError &&
        /PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE/.test(error.message),
    );
    assert.throws(
      () => checkPassphrase({ PULUMI_CONFIG_PASSPHRASE_FILE: "/nope" }, "passphrase", probe()),
      /"\/nope", which does not exist/,
    );
  });

  it("does not ask for a passphrase with another secrets provider", () => {
    checkPassphrase({}, "awskms://alias/andyredis", probe());
  });

  it("uses PULUMI_BACKEND_URL, else the project's .pulumi-state directory", () => {
    assert.deepEqual(resolveBackend({ PULUMI_BACKEND_URL: "s3://state" }, "/repo"), {
      url: "s3://state",
      local: false,
    });
    // CI exports an unset variable as "": that means unset.
    assert.deepEqual(resolveBackend({ PULUMI_BACKEND_URL: "" }, "/repo"), {
      url: "file:///repo/.pulumi-state",
      local: true,
      directory: "/repo/.pulumi-state",
    });
  });
});

describe("automation exit codes and progress", () => {
  it("maps errors to exit codes with instanceof", () => {
    assert.equal(exitCodeFor(new UsageError("x")), ExitCode.usage);
    assert.equal(
      exitCodeFor(new RedisUnreachableError(["redis-node-0:26379"]), "verify"),
      ExitCode.redisUnreachable,
    );
    assert.equal(exitCodeFor(new PulumiCliMissingError("x")), ExitCode.toolMissing);
    assert.equal(exitCodeFor(new PassphraseMissingError("x")), ExitCode.passphraseMissing);
    assert.equal(exitCodeFor(new ConcurrentUpdateError("x"), "up"), ExitCode.concurrentUpdate);
    assert.equal(exitCodeFor(new StackNotFoundError("x"), "select"), ExitCode.stackNotFound);
    assert.equal(exitCodeFor(new LeftoversError(["v"]), "audit"), ExitCode.leftovers);
    assert.equal(exitCodeFor(new ContractError("s", ["p"]), "contract"), ExitCode.contractViolated);
    assert.equal(exitCodeFor(new ContractError("s", ["p"]), "verify"), ExitCode.verifyFailed);
    assert.equal(exitCodeFor(new Error("x"), "preview"), ExitCode.previewFailed);
    assert.equal(exitCodeFor(new Error("x"), "destroy"), ExitCode.destroyFailed);
    assert.equal(exitCodeFor(new Error("x")), ExitCode.internal);
  });

  it("gives every failure a non-zero code, and lets cleanup failures win", () => {
    for (const code of Object.values(ExitCode)) {
      if (code !== ExitCode.ok) assert.notEqual(code, 0);
    }
    assert.equal(runExitCode([]), 0);
    assert.equal(
      runExitCode([
        { step: "up", exitCode: ExitCode.upFailed },
        { step: "audit", exitCode: ExitCode.leftovers },
      ]),
      ExitCode.leftovers,
    );
    assert.equal(
      runExitCode([
        { step: "verify", exitCode: ExitCode.verifyFailed },
        { step: "drill", exitCode: ExitCode.drillFailed },
      ]),
      ExitCode.verifyFailed,
    );
  });

  it("prints one line per resource step with the elapsed time", () => {
    const metadata = {
      op: "create" as const,
      urn: "urn:pulumi:dev::andyredis::eks:index:Cluster::andyredis-cluster",
      type: "eks:index:Cluster",
      provider: "",
    };
    assert.equal(
      formatEngineEvent(
        { sequence: 1, timestamp: 0, resourcePreEvent: { metadata } },
        3.2,
        "update",
      ),
      "[   3.2s] creating eks:index:Cluster andyredis-cluster",
    );
    assert.equal(
      formatEngineEvent(
        { sequence: 2, timestamp: 0, resOutputsEvent: { metadata } },
        754,
        "update",
      ),
      "[ 12m34s] created eks:index:Cluster andyredis-cluster",
    );
    const same = { ...metadata, op: "same" as const };
    assert.equal(
      formatEngineEvent(
        { sequence: 3, timestamp: 0, resourcePreEvent: { metadata: same } },
        1,
        "update",
      ),
      undefined,
    );
    assert.match(
      formatEngineEvent(
        {
          sequence: 4,
          timestamp: 0,
          summaryEvent: {
            maybeCorrupt: false,
            durationSeconds: 61,
            resourceChanges: { create: 57, same: 2 },
            policyPacks: {},
          },
        },
        61,
        "update",
      ) ?? "",
      /done: 57 create, 2 unchanged in 1m01s$/,
    );
    assert.equal(formatElapsed(59.94), "59.9s");
  });

  it("never prints debug diagnostics (they carry secret inputs) nor the closing cancel event", () => {
    const debug = {
      sequence: 5,
      timestamp: 0,
      diagnosticEvent: {
        // The SDK's severity type omits "debug"; the engine sends it with resource inputs.
        severity: "debug" as "info",
        message: 'RegisterResource inputs: {"result":"plaintext-password"}',
        color: "never",
      },
    };
    assert.equal(formatEngineEvent(debug, 1, "update"), undefined);
    const warning = {
      ...debug,
      diagnosticEvent: {
        ...debug.diagnosticEvent,
        severity: "warning" as const,
        message: "chart version differs",
      },
    };
    assert.match(formatEngineEvent(warning, 1, "update") ?? "", /warning chart version differs$/);
    assert.equal(
      formatEngineEvent({ sequence: 6, timestamp: 0, cancelEvent: {} }, 2, "update"),
      undefined,
    );
  });
});
