/**
 * The driver's workflows against fake ports: which steps run in which order, that `ephemeral`
 * always destroys, audits and removes, and which exit code each failure gives.
 */
import * as assert from "node:assert/strict";

import { ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";

import { parseCommandLine } from "../../cli/automation";
import { runCommand } from "../../lib/automation/driverCommands";
import type {
  AuditScope,
  ChangeCounts,
  CheckResult,
  DriverPorts,
  EngineListener,
  StackOutputMap,
  StackSession,
  VerifyTarget,
} from "../../lib/automation/driverPorts";
import { DriverOptions, REDACTED, RunReport } from "../../lib/automation/run";
import { ExitCode } from "../../lib/cli";
import { OUTPUT_CONTRACT, type RedisOutputName } from "../../lib/contract";
import { fakeClock } from "../helpers/clock";
import {
  SAMPLE_CA_CERTIFICATE,
  SAMPLE_KUBECONFIG,
  SAMPLE_REDIS_PASSWORD,
  sampleOutputs,
} from "../helpers/outputs";

/** Outputs of a healthy `aws` stack, as `stack.outputs()` returns them. */
function healthyOutputs(stack: string): StackOutputMap {
  const map: Record<string, { value: unknown; secret: boolean }> = {};
  for (const [name, value] of Object.entries(sampleOutputs({ mode: "aws", stack }))) {
    map[name] = { value, secret: OUTPUT_CONTRACT[name as RedisOutputName].secret };
  }
  return map;
}

/** What a fake step does: succeed, fail by throwing, or (checks) report failure. */
type Behaviour = "ok" | "throw" | "report-failure";

interface FakeSetup {
  up?: Behaviour;
  preview?: Behaviour;
  destroy?: Behaviour;
  verify?: Behaviour;
  drill?: Behaviour;
  audit?: Behaviour;
  leftovers?: string[];
  /** An error to throw from `select`/`create`. */
  selectError?: Error;
  upError?: Error;
  /** Outputs override; `null` makes `outputs()` throw. */
  outputs?: StackOutputMap | null;
  config?: Record<string, string>;
  interruptAfterUp?: boolean;
}

class Fake {
  readonly calls: string[] = [];
  readonly lines: string[] = [];
  readonly configSet: Record<string, { value: string; secret: boolean }> = {};
  auditScopes: AuditScope[] = [];
  verifyTargets: VerifyTarget[] = [];
  drillScenarios: (readonly string[])[] = [];
  /** Each step of a fake port takes a second. */
  private readonly clock = fakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
  private interrupted = false;
  private upDone = false;

  constructor(private readonly setup: FakeSetup = {}) {}

  private behave(step: string, behaviour: Behaviour | undefined): void {
    this.calls.push(step);
    this.clock.advance(1000);
    if (behaviour === "throw") throw new Error(`${step} exploded`);
  }

  session(name: string): StackSession {
    const setup = this.setup;
    const counts: ChangeCounts = { create: 3 };
    return {
      name,
      setConfig: async (values) => {
        this.calls.push("setConfig");
        for (const v of values) this.configSet[v.key] = { value: v.value, secret: v.secret };
      },
      getConfig: async (key) => {
        const value = setup.config?.[key];
        if (value === undefined) throw new Error(`config key ${key} not found`);
        return value;
      },
      preview: async (listener: EngineListener) => {
        this.behave("preview", setup.preview);
        listener.onEvent?.({
          sequence: 1,
          timestamp: 0,
          resourcePreEvent: {
            metadata: {
              op: "create",
              urn: "urn:pulumi:dev::andyredis::aws:ec2/vpc:Vpc::andyredis-vpc",
              type: "aws:ec2/vpc:Vpc",
              provider: "",
            },
          },
        });
        return counts;
      },
      up: async () => {
        this.behave("up", setup.up);
        if (setup.upError !== undefined) throw setup.upError;
        this.upDone = true;
        if (setup.interruptAfterUp === true) this.interrupted = true;
        return counts;
      },
      outputs: async () => {
        this.calls.push("outputs");
        if (setup.outputs === null) throw new Error("no outputs");
        if (setup.outputs !== undefined) return setup.outputs;
        return this.upDone || !this.calls.includes("create") ? healthyOutputs(name) : {};
      },
      destroy: async () => {
        this.behave("destroy", setup.destroy);
        return { delete: 3 };
      },
      remove: async () => {
        this.calls.push("remove");
      },
      fallbackStackTag: async () => `organization/andyredis/${name}`,
    };
  }

  ports(): DriverPorts {
    const setup = this.setup;
    const check = (step: "verify" | "drill", behaviour: Behaviour | undefined): CheckResult => {
      this.behave(step, behaviour);
      return behaviour === "report-failure"
        ? {
            ok: false,
            summary: `${step} checks failed`,
            failures: ["sentinel a:26379 ckquorum: NOQUORUM"],
            details: { failed: ["quorum"] },
          }
        : { ok: true, summary: `${step} fine` };
    };
    return {
      stacks: {
        select: async (name) => {
          this.calls.push("select");
          if (setup.selectError !== undefined) throw setup.selectError;
          return this.session(name);
        },
        createOrSelect: async (name) => {
          this.calls.push("createOrSelect");
          if (setup.selectError !== undefined) throw setup.selectError;
          return this.session(name);
        },
        create: async (name) => {
          this.calls.push("create");
          if (setup.selectError !== undefined) throw setup.selectError;
          return this.session(name);
        },
      },
      checks: {
        verify: async (target) => {
          this.verifyTargets.push(target);
          return check("verify", setup.verify);
        },
        drill: async (_target, scenarios) => {
          this.drillScenarios.push(scenarios);
          return check("drill", setup.drill);
        },
        audit: async (scope) => {
          this.auditScopes.push(scope);
          this.behave("audit", setup.audit);
          return { leftovers: setup.leftovers ?? [] };
        },
      },
      log: (line) => this.lines.push(line),
      now: () => this.clock.now(),
      random: () => 0.5,
      defaultRegion: "ap-northeast-2",
      interrupted: () => this.interrupted,
    };
  }
}

function options(argv: string[]): DriverOptions {
  const parsed = parseCommandLine(argv, {
    env: { REDIS_PASSWORD: "pw" },
    readFile: () => {
      throw new Error("no files here");
    },
  });
  assert.equal(parsed.kind, "run");
  if (parsed.kind !== "run") throw new Error("unreachable");
  return parsed.options;
}

async function run(
  argv: string[],
  setup: FakeSetup = {},
): Promise<{ fake: Fake; report: RunReport }> {
  const fake = new Fake(setup);
  const report = await runCommand(fake.ports(), options(argv));
  return { fake, report };
}

function statuses(report: RunReport): string[] {
  return report.steps.map((s) => `${s.step}:${s.status}`);
}

describe("automation workflow: ephemeral", () => {
  it("runs create, up, verify, drill, then destroy, audit and remove, in that order", async () => {
    const { fake, report } = await run(["ephemeral", "--stack", "pr-7", "--run-id", "42-1"]);
    assert.deepEqual(fake.calls, [
      "create",
      "up",
      "outputs",
      "verify",
      "drill",
      "destroy",
      "audit",
      "remove",
    ]);
    assert.equal(report.stack, "pr-7-42-1");
    assert.equal(report.exitCode, ExitCode.ok);
    assert.deepEqual(fake.auditScopes, [
      {
        region: "ap-northeast-2",
        stackTag: "organization/andyredis/pr-7-42-1",
        clusterName: "andyredis-pr-7-42-1",
      },
    ]);
    assert.equal(fake.verifyTargets[0].password, SAMPLE_REDIS_PASSWORD);
    assert.equal(fake.verifyTargets[0].nodes, 3);
  });

  it("names the stack <prefix>-<UTC time>-<random> without --run-id", async () => {
    const { report } = await run(["ephemeral"]);
    assert.equal(report.stack, "ephemeral-20260102-030405-8000");
  });

  it("still destroys, audits and removes when up fails, with the up exit code", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], { up: "throw" });
    assert.deepEqual(fake.calls, ["create", "up", "destroy", "audit", "remove"]);
    assert.deepEqual(statuses(report), [
      "create:ok",
      "up:failed",
      "verify:skipped",
      "drill:skipped",
      "destroy:ok",
      "audit:ok",
      "remove:ok",
    ]);
    assert.equal(report.exitCode, ExitCode.upFailed);
    // No outputs after a failed up: the tag comes from the stack name.
    assert.deepEqual(fake.auditScopes, [
      { region: "ap-northeast-2", stackTag: "organization/andyredis/ephemeral-1" },
    ]);
  });

  it("still destroys when verify reports failure, skips the drill, exits 12", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], {
      verify: "report-failure",
    });
    assert.deepEqual(fake.calls, [
      "create",
      "up",
      "outputs",
      "verify",
      "destroy",
      "audit",
      "remove",
    ]);
    assert.equal(report.exitCode, ExitCode.verifyFailed);
    const verify = report.steps.find((s) => s.step === "verify");
    assert.deepEqual(verify?.details, { failed: ["quorum"] });
  });

  it("still destroys when verify throws", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], { verify: "throw" });
    assert.ok(fake.calls.includes("destroy") && fake.calls.includes("remove"));
    assert.equal(report.exitCode, ExitCode.verifyFailed);
  });

  it("still destroys when the drill fails, exits 13", async () => {
    const { fake, report } = await run(
      ["ephemeral", "--run-id", "1", "--scenario", "master-crash"],
      { drill: "report-failure" },
    );
    assert.deepEqual(fake.drillScenarios, [["master-crash"]]);
    assert.ok(fake.calls.includes("destroy"));
    assert.equal(report.exitCode, ExitCode.drillFailed);
  });

  it("skips the drill with --skip-drill", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1", "--skip-drill"]);
    assert.ok(!fake.calls.includes("drill"));
    assert.equal(report.exitCode, ExitCode.ok);
  });

  it("keeps the stack when destroy fails, and a cleanup failure outranks the first failure", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], {
      verify: "report-failure",
      destroy: "throw",
    });
    assert.ok(!fake.calls.includes("remove"), "a stack with resources must not be removed");
    assert.ok(!fake.calls.includes("audit"));
    assert.equal(report.exitCode, ExitCode.destroyFailed);
    assert.ok(report.notes.some((n) => n.includes("destroy --stack ephemeral-1 --remove")));
  });

  it("exits 15 and lists leftovers when the audit finds some, and keeps the stack", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], {
      leftovers: ["ec2 volume vol-1 (8 GiB, available)"],
    });
    assert.ok(!fake.calls.includes("remove"), "a stack whose audit failed is never removed");
    assert.equal(report.steps.find((s) => s.step === "remove")?.status, "skipped");
    assert.equal(report.exitCode, ExitCode.leftovers);
    assert.deepEqual(report.leftovers, ["ec2 volume vol-1 (8 GiB, available)"]);
    assert.ok(report.notes.some((n) => n.includes("destroy --stack ephemeral-1 --remove")));
  });

  it("exits 16 when the audit cannot run, and keeps the stack", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], { audit: "throw" });
    assert.equal(report.exitCode, ExitCode.auditFailed);
    assert.ok(!fake.calls.includes("remove"));
  });

  it("skips the AWS audit of a clusterOnly stack, and removes it", async () => {
    const outputs = {
      ...healthyOutputs("ephemeral-1"),
      deploymentMode: { value: "clusterOnly", secret: false },
    };
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], { outputs });
    assert.ok(!fake.calls.includes("audit"), "no AWS call for a stack without AWS resources");
    assert.match(report.steps.find((s) => s.step === "audit")?.message ?? "", /clusterOnly/);
    assert.ok(fake.calls.includes("remove"));
    assert.equal(report.exitCode, ExitCode.ok);
  });

  it("knows a clusterOnly stack from its config when it has no outputs", async () => {
    const { fake, report } = await run(["destroy", "-s", "dev"], {
      outputs: null,
      config: { "andyredis:mode": "clusterOnly" },
    });
    assert.deepEqual(fake.calls, ["select", "outputs", "destroy"]);
    assert.equal(report.exitCode, ExitCode.ok);
  });

  it("prints each failed verify check on the console", async () => {
    const { fake } = await run(["verify", "-s", "dev"], { verify: "report-failure" });
    assert.ok(
      fake.lines.includes("  failed: sentinel a:26379 ckquorum: NOQUORUM"),
      fake.lines.join("\n"),
    );
  });

  it("skips verify and drill after an interrupt but still cleans up", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], { interruptAfterUp: true });
    assert.deepEqual(fake.calls, ["create", "up", "outputs", "destroy", "audit", "remove"]);
    assert.equal(report.steps.find((s) => s.step === "verify")?.status, "skipped");
  });

  it("applies config overrides to the new stack before up", async () => {
    const { fake } = await run([
      "ephemeral",
      "--run-id",
      "1",
      "--region",
      "us-west-2",
      "--config",
      "andyredis:redisNodes=5",
      "--secret-env",
      "andyredis:redisPassword=REDIS_PASSWORD",
    ]);
    assert.deepEqual(fake.calls.slice(0, 3), ["create", "setConfig", "up"]);
    assert.deepEqual(fake.configSet, {
      "andyredis:region": { value: "us-west-2", secret: false },
      "andyredis:redisNodes": { value: "5", secret: false },
      "andyredis:redisPassword": { value: "pw", secret: true },
    });
  });

  it("does nothing else when the stack cannot be created (name taken)", async () => {
    const { fake, report } = await run(["ephemeral", "--run-id", "1"], {
      selectError: new ConcurrentUpdateError("the stack is currently locked by 1 lock(s)"),
    });
    assert.deepEqual(fake.calls, ["create"]);
    assert.equal(report.exitCode, ExitCode.concurrentUpdate);
  });

  it("never puts secrets into the report", async () => {
    const { report } = await run(["ephemeral", "--run-id", "1"]);
    const text = JSON.stringify(report);
    assert.ok(!text.includes(SAMPLE_REDIS_PASSWORD));
    assert.ok(!text.includes("kind: Config"));
    assert.equal(report.outputs?.redisPassword, REDACTED);
  });
});

describe("automation workflow: single commands", () => {
  it("preview creates or selects, sets config, previews, and streams resource lines", async () => {
    const { fake, report } = await run(["preview", "-s", "dev", "-c", "andyredis:natMode=perZone"]);
    assert.deepEqual(fake.calls, ["createOrSelect", "setConfig", "preview"]);
    assert.equal(report.exitCode, ExitCode.ok);
    assert.ok(fake.lines.some((l) => /would create aws:ec2\/vpc:Vpc andyredis-vpc$/.test(l)));
  });

  it("preview failure exits 10", async () => {
    const { report } = await run(["preview", "-s", "dev"], { preview: "throw" });
    assert.equal(report.exitCode, ExitCode.previewFailed);
  });

  it("up runs up, then checks the outputs against the contract", async () => {
    const { fake, report } = await run(["up", "-s", "dev"]);
    assert.deepEqual(fake.calls, ["createOrSelect", "up", "outputs"]);
    assert.deepEqual(statuses(report).slice(-3), ["up:ok", "outputs:ok", "contract:ok"]);
    assert.deepEqual(report.changes?.up, { create: 3 });
  });

  it("up failure exits 11; a locked stack exits 6", async () => {
    assert.equal((await run(["up", "-s", "dev"], { up: "throw" })).report.exitCode, 11);
    const locked = await run(["up", "-s", "dev"], {
      upError: new ConcurrentUpdateError("the stack is currently locked by 1 lock(s)"),
    });
    assert.equal(locked.report.exitCode, ExitCode.concurrentUpdate);
  });

  it("up whose outputs break the contract exits 17", async () => {
    const outputs = { ...healthyOutputs("dev") };
    delete (outputs as Record<string, unknown>).sentinelEndpoint;
    const { report } = await run(["up", "-s", "dev"], { outputs });
    assert.equal(report.exitCode, ExitCode.contractViolated);
    const contract = report.steps.find((s) => s.step === "contract");
    assert.match(contract?.message ?? "", /required output "sentinelEndpoint" is missing/);
  });

  it("a missing stack exits 5", async () => {
    const { report } = await run(["verify", "-s", "nope"], {
      selectError: new StackNotFoundError("no stack named 'nope' found"),
    });
    assert.equal(report.exitCode, ExitCode.stackNotFound);
  });

  it("outputs prints them with secrets masked unless --show-secrets", async () => {
    const masked = await run(["outputs", "-s", "dev"]);
    assert.ok(masked.fake.lines.includes(`redisPassword: ${REDACTED}`));
    assert.ok(!masked.fake.lines.some((l) => l.includes(SAMPLE_REDIS_PASSWORD)));
    const shown = await run(["outputs", "-s", "dev", "--show-secrets"]);
    assert.ok(shown.fake.lines.includes(`redisPassword: ${SAMPLE_REDIS_PASSWORD}`));
    // The JSON summary stays redacted either way.
    assert.equal(shown.report.outputs?.redisPassword, REDACTED);
  });

  it("verify and drill build their target from the outputs; failures exit 12 and 13", async () => {
    const verify = await run(["verify", "-s", "dev"], { verify: "report-failure" });
    assert.equal(verify.report.exitCode, ExitCode.verifyFailed);
    assert.deepEqual(verify.fake.verifyTargets, [
      {
        kubeconfig: SAMPLE_KUBECONFIG,
        namespace: "redis",
        releaseName: "redis",
        masterSet: "mymaster",
        password: SAMPLE_REDIS_PASSWORD,
        nodes: 3,
        // The stack's CA: verify and drill speak TLS with it.
        caCertificate: SAMPLE_CA_CERTIFICATE,
      },
    ]);
    const drill = await run(["drill", "-s", "dev"], { drill: "throw" });
    assert.equal(drill.report.exitCode, ExitCode.drillFailed);
  });

  it("destroy reads the outputs first, destroys with the program, then audits", async () => {
    const { fake, report } = await run(["destroy", "-s", "dev"]);
    assert.deepEqual(fake.calls, ["select", "outputs", "destroy", "audit"]);
    assert.deepEqual(fake.auditScopes, [
      {
        region: "ap-northeast-2",
        stackTag: "organization/andyredis/dev",
        clusterName: "andyredis-dev",
      },
    ]);
    assert.equal(report.exitCode, ExitCode.ok);
  });

  it("destroy of a snapshot or retain stack tells the audit what is kept on purpose", async () => {
    for (const [mode, kept] of [
      ["snapshot", { expectSnapshots: true }],
      ["retain", { expectRetained: true }],
    ] as const) {
      const { fake } = await run(["destroy", "-s", "dev"], {
        config: { "andyredis:volumeCleanupMode": mode },
      });
      assert.deepEqual(fake.auditScopes, [
        {
          region: "ap-northeast-2",
          stackTag: "organization/andyredis/dev",
          clusterName: "andyredis-dev",
          ...kept,
        },
      ]);
    }
    const overridden = await run([
      "destroy",
      "-s",
      "dev",
      "-c",
      "andyredis:volumeCleanupMode=snapshot",
    ]);
    assert.equal(overridden.fake.auditScopes[0].expectSnapshots, true);
  });

  it("destroy --remove removes the stack after a clean destroy", async () => {
    const { fake } = await run(["destroy", "-s", "dev", "--remove"]);
    assert.deepEqual(fake.calls.slice(-2), ["audit", "remove"]);
  });

  it("destroy of a stack without outputs audits with the config's region and the name's tag", async () => {
    const { fake, report } = await run(["destroy", "-s", "half"], {
      outputs: null,
      config: { "aws:region": "eu-west-1" },
    });
    assert.deepEqual(fake.auditScopes, [
      { region: "eu-west-1", stackTag: "organization/andyredis/half" },
    ]);
    assert.equal(report.exitCode, ExitCode.ok);
  });

  it("destroy with leftovers exits 15; destroy failure exits 14 without audit", async () => {
    const leftovers = await run(["destroy", "-s", "dev"], { leftovers: ["vol-1"] });
    assert.equal(leftovers.report.exitCode, ExitCode.leftovers);
    const failed = await run(["destroy", "-s", "dev", "--remove"], { destroy: "throw" });
    assert.equal(failed.report.exitCode, ExitCode.destroyFailed);
    assert.ok(!failed.fake.calls.includes("audit") && !failed.fake.calls.includes("remove"));
  });

  it("audit --stack-tag audits without a stack", async () => {
    const { fake, report } = await run([
      "audit",
      "--stack-tag",
      "organization/andyredis/gone",
      "--region",
      "us-east-1",
    ]);
    assert.deepEqual(fake.calls, ["audit"]);
    assert.deepEqual(fake.auditScopes, [
      { region: "us-east-1", stackTag: "organization/andyredis/gone" },
    ]);
    assert.equal(report.exitCode, ExitCode.ok);
  });

  it("audit --stack reads tag and region from the outputs", async () => {
    const { fake } = await run(["audit", "-s", "dev"], { leftovers: [] });
    assert.deepEqual(fake.calls, ["select", "outputs", "audit"]);
    assert.deepEqual(fake.auditScopes, [
      {
        region: "ap-northeast-2",
        stackTag: "organization/andyredis/dev",
        clusterName: "andyredis-dev",
      },
    ]);
  });
});
