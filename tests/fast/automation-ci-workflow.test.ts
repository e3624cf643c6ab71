/**
 * The example CI workflow: valid YAML, OIDC credentials, `ephemeral` on pull requests and `up`
 * on main with separate credentials, state and secrets, and every npm command it runs names a
 * script that package.json has.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { parse } from "yaml";

import { COMMANDS } from "../../lib/automation/driverCommands";
import { SCENARIOS } from "../../lib/drill/io/drillRun";
import { PROJECT_DIR } from "../helpers/paths";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  environment?: string;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(
  fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "ephemeral.yml"), "utf8"),
) as Workflow;
const scripts = (
  JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  }
).scripts;
const runLines = Object.values(workflow.jobs).flatMap((job) =>
  job.steps.flatMap((step) => (step.run ?? "").split("\n")),
);

/** The driver commands the workflow runs, per job. */
function driverCommands(job: Job): string[] {
  return job.steps.flatMap((step) =>
    [...(step.run ?? "").matchAll(/npm run automation -- (\w+)/g)].map((m) => m[1]),
  );
}

describe("CI workflow .github/workflows/ephemeral.yml", () => {
  it("runs on pull requests and on pushes to main, with an OIDC token", () => {
    assert.ok("pull_request" in workflow.on && "push" in workflow.on);
    assert.equal(workflow.permissions["id-token"], "write");
  });

  it("only calls npm scripts that package.json defines", () => {
    const npmCalls = runLines.flatMap((line) =>
      [...line.matchAll(/npm (run(?:-script)?|test|start)\s+([\w:-]+)?/g)].map((m) =>
        m[1] === "test" || m[1] === "start" ? m[1] : (m[2] ?? ""),
      ),
    );
    assert.ok(npmCalls.length >= 3, `expected npm script calls, found ${npmCalls.join(", ")}`);
    const missing = npmCalls.filter((name) => !(name in scripts));
    assert.deepEqual(missing, []);
    // Any other npm use is `npm ci`.
    for (const line of runLines) {
      for (const m of line.matchAll(/\bnpm (\S+)/g)) {
        assert.ok(["run", "ci"].includes(m[1]), `unexpected npm command: ${line}`);
      }
    }
  });

  it("runs only driver commands that exist", () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const command of driverCommands(job)) {
        assert.ok((COMMANDS as readonly string[]).includes(command), command);
      }
    }
  });

  it("drills only scenarios the drill knows, and at least the master crash", () => {
    const scenarios = runLines.flatMap((line) =>
      [...line.matchAll(/--scenario (\S+)/g)].map((m) => m[1]),
    );
    assert.ok(scenarios.includes("master-crash"), scenarios.join(", "));
    for (const scenario of scenarios) {
      assert.ok((SCENARIOS as readonly string[]).includes(scenario), scenario);
    }
  });

  it("runs ephemeral on pull requests and up on main", () => {
    const jobs = Object.values(workflow.jobs);
    const pr = jobs.filter((j) => j.if?.includes("pull_request"));
    const main = jobs.filter((j) => j.if?.includes("refs/heads/main"));
    assert.equal(pr.length, 1);
    assert.equal(main.length, 1);
    assert.ok(driverCommands(pr[0]).includes("ephemeral"));
    assert.ok(!driverCommands(pr[0]).includes("up"));
    assert.ok(driverCommands(main[0]).includes("up"));
  });

  it("gets AWS credentials through OIDC role assumption before running the driver", () => {
    for (const job of Object.values(workflow.jobs)) {
      const credentials = job.steps.findIndex((s) =>
        s.uses?.startsWith("aws-actions/configure-aws-credentials@"),
      );
      assert.ok(credentials >= 0, "configure-aws-credentials is missing");
      const step = job.steps[credentials];
      assert.match(String(step.with?.["role-to-assume"]), /\S/);
      assert.ok(!("aws-access-key-id" in (step.with ?? {})), "no static keys");
      const firstDriver = job.steps.findIndex((s) => s.run?.includes("npm run automation"));
      assert.ok(credentials < firstDriver);
    }
  });

  it("gives pull requests and main separate environments: role, backend and KMS secrets provider", () => {
    const jobs = Object.values(workflow.jobs);
    const pr = jobs.find((j) => j.if?.includes("pull_request"));
    const main = jobs.find((j) => j.if?.includes("refs/heads/main"));
    assert.ok(pr && main);
    assert.equal(pr.environment, "pull-request");
    assert.equal(main.environment, "main");
    // Nothing credential-like at the workflow level, where both jobs would share it.
    for (const key of Object.keys(workflow.env ?? {})) {
      assert.doesNotMatch(key, /PULUMI_BACKEND_URL|PASSPHRASE|SECRETS_PROVIDER|ROLE/, key);
    }
    for (const job of [pr, main]) {
      // Environment-scoped variables of the job's own environment.
      assert.equal(job.env?.PULUMI_BACKEND_URL, "${{ vars.PULUMI_BACKEND_URL }}");
      assert.equal(job.env?.PULUMI_SECRETS_PROVIDER, "${{ vars.PULUMI_SECRETS_PROVIDER }}");
      const guard = job.steps.findIndex((step) =>
        /PULUMI_SECRETS_PROVIDER == ''/.test(step.if ?? ""),
      );
      const firstDriver = job.steps.findIndex((step) => step.run?.includes("npm run automation"));
      assert.ok(guard >= 0 && guard < firstDriver, "no check that the environment is set up");
      // The commands that may create the stack pass the KMS provider.
      for (const step of job.steps.filter((st) =>
        /automation -- (ephemeral|up)\b/.test(st.run ?? ""),
      )) {
        assert.match(step.run ?? "", /--secrets-provider "\$PULUMI_SECRETS_PROVIDER"/);
      }
    }
  });

  it("sets no passphrase anywhere (CI uses awskms), and documents the provider to use", () => {
    const text = fs.readFileSync(
      path.join(PROJECT_DIR, ".github", "workflows", "ephemeral.yml"),
      "utf8",
    );
    assert.doesNotMatch(text, /secrets\.PULUMI_CONFIG_PASSPHRASE/);
    assert.doesNotMatch(text, /^\s+PULUMI_CONFIG_PASSPHRASE:/m);
    assert.match(text, /awskms:\/\/alias\//);
  });
});
