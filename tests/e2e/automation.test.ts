/**
 * The Automation API driver (`npm run automation`) on the real engine, as CI runs it: a
 * clusterOnly stack up, its outputs, verify against a cluster where no Redis answers, destroy,
 * and a whole ephemeral run. Secrets reach it only through a file and the environment.
 */
import { passwordHash } from "../../lib/redis/acl";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import type { RunReport } from "../../lib/automation/run";
import { ExitCode } from "../../lib/cli";
import { environment } from "./helpers/environment";
import { Kube, kube, namespaceDeleted } from "./helpers/kube";
import { CommandResult, PulumiProject, runCommand } from "./helpers/pulumi";
import { assertNoSecretPrinted } from "./helpers/secrets";
import { e2eChart } from "./helpers/stack";

/** A password of our choosing, passed through the environment, never the command line. */
const REDIS_PASSWORD = "e2eDriverPassword0123456789abcd";

describe("e2e: the Automation API driver", function () {
  let project: PulumiProject;
  let k: Kube;
  let kubeconfigFile: string;

  /** `npm run automation -- <args>` in the copy, as CI runs it (npm -s: no banner). */
  function driver(args: readonly string[], json?: string): Promise<CommandResult> {
    return runCommand(
      "npm",
      ["run", "-s", "automation", "--", ...args, ...(json === undefined ? [] : ["--json", json])],
      project.dir,
      project.env(),
      { env: { E2E_REDIS_PASSWORD: REDIS_PASSWORD } },
    );
  }

  function clusterOnlyConfig(): string[] {
    const chart = e2eChart();
    return [
      "-c",
      "andyredis:mode=clusterOnly",
      ...(chart === undefined ? [] : ["-c", `andyredis:redisChart=${chart}`]),
      "--secret-file",
      `andyredis:kubeconfig=${kubeconfigFile}`,
      "--secret-env",
      "andyredis:redisPassword=E2E_REDIS_PASSWORD",
    ];
  }

  function summary(file: string): RunReport {
    return JSON.parse(fs.readFileSync(file, "utf8")) as RunReport;
  }

  before(() => {
    project = new PulumiProject("driver");
    k = kube(environment().kubeconfig);
    kubeconfigFile = environment().kubeconfigPath;
  });

  it("up creates the stack and checks its outputs against the contract", async () => {
    const json = path.join(project.dir, "up.json");
    const result = await driver(["up", "--stack", "auto", ...clusterOnlyConfig()], json);
    assert.equal(result.code, ExitCode.ok, result.stdout + result.stderr);
    const report = summary(json);
    assert.deepEqual(
      report.steps.map((s) => `${s.step}:${s.status}`),
      ["select:ok", "config:ok", "up:ok", "outputs:ok", "contract:ok"],
    );
    assert.equal(report.outputs?.redisPassword, "[secret]");
    assert.doesNotMatch(result.stdout, /cancelled/);
    // The configured password is the app user's: in the ACL Secret as its hash only.
    const acl = await k.core.readNamespacedSecret({ name: "redis-acl", namespace: "redis" });
    const users = Buffer.from(acl.data?.["users.acl"] ?? "", "base64").toString();
    assert.ok(users.includes(`user app reset on #${passwordHash(REDIS_PASSWORD)} `), users);
    assert.ok(!users.includes(REDIS_PASSWORD));
  });

  it("outputs prints them with the secrets masked", async () => {
    const result = await driver(["outputs", "--stack", "auto"]);
    assert.equal(result.code, ExitCode.ok, result.stderr);
    assert.match(result.stdout, /^redisPassword: \[secret\]$/m);
    assert.match(result.stdout, /^deploymentMode: clusterOnly$/m);
  });

  it("refuses an empty passphrase with its own code before any engine call: the stack is untouched", async () => {
    const history = async () =>
      (await project.pulumiOk(["stack", "history", "--stack", "auto", "--json"])).stdout;
    const before = await history();
    const json = path.join(project.dir, "empty-passphrase.json");
    const result = await runCommand(
      "npm",
      ["run", "-s", "automation", "--", "destroy", "--stack", "auto", "--json", json],
      project.dir,
      { ...project.env(), PULUMI_CONFIG_PASSPHRASE: "" },
    );
    assert.equal(result.code, ExitCode.passphraseEmpty, result.stdout + result.stderr);
    assert.match(result.stderr, /PULUMI_CONFIG_PASSPHRASE is set but empty/);
    assert.deepEqual(
      summary(json).steps.map((s) => s.step),
      [],
      "the driver ran a step with an empty passphrase",
    );
    // Nothing ran on the engine: no new update in the history, the release still there.
    assert.equal(await history(), before);
    await k.core.readNamespace({ name: "redis" });
  });

  it("verify says quickly, with its own exit code, that no Redis answers", async () => {
    const result = await driver(["verify", "--stack", "auto"]);
    assert.equal(result.code, ExitCode.redisUnreachable, result.stdout + result.stderr);
    assert.match(result.stdout + result.stderr, /cannot reach Redis/);
    assert.ok(result.seconds < 60, `verify took ${result.seconds} s`);
  });

  it("drill says the same before any scenario, and refuses an unknown scenario before anything", async () => {
    const result = await driver(["drill", "--stack", "auto", "--scenario", "master-crash"]);
    assert.equal(result.code, ExitCode.redisUnreachable, result.stdout + result.stderr);
    assert.match(result.stdout + result.stderr, /cannot reach Redis/);
    assert.ok(result.seconds < 60, `drill took ${result.seconds} s`);
    const typo = await driver(["drill", "--stack", "auto", "--scenario", "master-crsh"]);
    assert.equal(typo.code, ExitCode.usage);
    assert.match(typo.stderr, /--scenario "master-crsh": use one of/);
  });

  it("destroy removes the release and skips the AWS audit of a clusterOnly stack", async () => {
    const json = path.join(project.dir, "destroy.json");
    const result = await driver(["destroy", "--stack", "auto", "--remove"], json);
    assert.equal(result.code, ExitCode.ok, result.stdout + result.stderr);
    const report = summary(json);
    assert.deepEqual(
      report.steps.map((s) => `${s.step}:${s.status}`),
      ["select:ok", "destroy:ok", "audit:skipped", "remove:ok"],
    );
    await namespaceDeleted(k, "redis");
  });

  it("ephemeral runs up, verify, then always destroys and removes the stack", async () => {
    const json = path.join(project.dir, "ephemeral.json");
    const result = await driver(
      ["ephemeral", "--stack", "ci", "--run-id", "1", ...clusterOnlyConfig()],
      json,
    );
    const report = summary(json);
    assert.equal(result.code, ExitCode.redisUnreachable, result.stdout + result.stderr);
    assert.deepEqual(
      report.steps.map((s) => `${s.step}:${s.status}`),
      [
        "create:ok",
        "config:ok",
        "up:ok",
        "outputs:ok",
        "contract:ok",
        "verify:failed",
        "drill:skipped",
        "destroy:ok",
        "audit:skipped",
        "remove:ok",
      ],
    );
    const stacks = await project.pulumiOk(["stack", "ls", "--json"]);
    assert.deepEqual(JSON.parse(stacks.stdout), []);
  });

  it("never printed a secret", () => {
    assertNoSecretPrinted({ "redis password": REDIS_PASSWORD, passphrase: project.passphrase });
  });
});
