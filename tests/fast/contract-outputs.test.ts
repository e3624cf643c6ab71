/**
 * The output contract: the typed parse of plain outputs (what the Automation API driver reads),
 * the table that documents it, and that docs/automation.md lists every output.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { BUILD_TIMEOUT_MS, BuiltStack, buildStack } from "../helpers/program";
import {
  ContractError,
  MASKED_SECRET,
  deploymentTarget,
  OUTPUT_CONTRACT,
  OUTPUT_NAMES,
  SECRET_OUTPUT_NAMES,
  checkOutputValue,
  parseStackOutputs,
} from "../../lib/contract";
import { SAMPLE_REDIS_PASSWORD, sampleOutputs } from "../helpers/outputs";
import { PROJECT_DIR } from "../helpers/paths";

describe("output contract", function () {
  // The first program build in a process pays for Pulumi's function serializer.
  this.timeout(BUILD_TIMEOUT_MS);
  // The program's exports are typed from the contract (stack.ts), so a missing or renamed
  // output fails to compile; these check what it really exports at run time, in both modes.
  async function exported(built: BuiltStack): Promise<{ names: string[]; secret: string[] }> {
    const names = Object.keys(built.outputs).filter((n) => built.values[n] !== undefined);
    const secret: string[] = [];
    for (const name of names) {
      const value = built.outputs[name];
      if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))) secret.push(name);
    }
    return { names: names.sort(), secret: secret.sort() };
  }
  const inMode = (mode: "aws" | "clusterOnly"): string[] =>
    OUTPUT_NAMES.filter((n) => {
      const presence = OUTPUT_CONTRACT[n].presence;
      return (
        presence === "always" || presence === "optional" || (mode === "aws" && presence === "aws")
      );
    })
      .filter((n) => mode === "aws" || n !== "recordSet")
      .sort();

  it("is what the program exports in aws mode, secrets secret, and the exports parse", async () => {
    const built = await buildStack({ domainName: "example.com" });
    const { names, secret } = await exported(built);
    assert.deepEqual(names, inMode("aws"));
    assert.deepEqual(secret, [...SECRET_OUTPUT_NAMES].sort());
    assert.equal(parseStackOutputs("dev", built.values).deploymentMode, "aws");
  });

  it("is what the program exports in clusterOnly mode, without the foundation's", async () => {
    const built = await buildStack(
      { mode: "clusterOnly" },
      { kubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n" },
    );
    const { names, secret } = await exported(built);
    assert.deepEqual(names, inMode("clusterOnly"));
    assert.deepEqual(secret, [...SECRET_OUTPUT_NAMES].sort());
    assert.equal(parseStackOutputs("dev", built.values).deploymentMode, "clusterOnly");
  });

  it("refuses masked secrets, as `pulumi stack output --json` prints them without --show-secrets", () => {
    assert.throws(
      () =>
        parseStackOutputs("dev", {
          ...sampleOutputs(),
          redisPassword: MASKED_SECRET,
          kubeconfig: MASKED_SECRET,
        }),
      /"kubeconfig" is masked \("\[secret\]"\): read the outputs with --show-secrets[\s\S]*"redisPassword" is masked/,
    );
  });

  it("gives verify and drill one node per sentinel host", () => {
    const target = deploymentTarget(parseStackOutputs("dev", { ...sampleOutputs({ nodes: 5 }) }));
    assert.equal(target.nodes, 5);
    assert.equal(target.password, SAMPLE_REDIS_PASSWORD);
  });

  it("parses a clusterOnly stack without AWS outputs", () => {
    const parsed = parseStackOutputs("dev", { ...sampleOutputs(), somethingNew: 1 });
    assert.equal(parsed.deploymentMode, "clusterOnly");
    assert.equal(parsed.vpcId, undefined);
    assert.deepEqual(parsed.redisClientLabel, { key: "andyredis/redis-client", value: "true" });
    // Outputs the contract does not name are dropped, not rejected.
    assert.ok(!("somethingNew" in parsed));
  });

  it("parses an aws stack and requires its foundation outputs", () => {
    const outputs = { ...sampleOutputs({ mode: "aws", region: "eu-west-1" }) };
    assert.equal(parseStackOutputs("dev", outputs).region, "eu-west-1");
    const partial: Record<string, unknown> = { ...outputs };
    delete partial.vpcId;
    delete partial.natIps;
    assert.throws(
      () => parseStackOutputs("dev", partial),
      /output "vpcId" is missing; it is required when deploymentMode is "aws"[\s\S]*"natIps"/,
    );
  });

  it("collects every problem into one ContractError naming the stack", () => {
    const broken: Record<string, unknown> = {
      ...sampleOutputs(),
      deploymentMode: "kubernetes",
      sentinelHosts: "a:26379",
      redisClientLabel: { key: "" },
    };
    delete broken.redisPassword;
    assert.throws(
      () => parseStackOutputs("organization/andyredis/dev", broken),
      (error: unknown) => {
        assert.ok(error instanceof ContractError);
        assert.equal(error.problems.length, 4);
        assert.match(error.message, /stack "organization\/andyredis\/dev"/);
        assert.match(error.message, /"deploymentMode" must be "aws" or "clusterOnly"/);
        assert.match(error.message, /"sentinelHosts" must be a list of strings/);
        assert.match(error.message, /required output "redisPassword" is missing/);
        assert.match(error.message, /"redisClientLabel" must be \{key: string, value: string\}/);
        return true;
      },
    );
  });

  it("never puts a secret value into an error message", () => {
    const problem = checkOutputValue("redisPassword", 12345);
    assert.ok(problem !== undefined && !problem.includes("12345"));
    assert.equal(checkOutputValue("redisPassword", "x"), undefined);
  });

  it("is documented: docs/automation.md names every output", () => {
    const docs = fs.readFileSync(path.join(PROJECT_DIR, "docs", "automation.md"), "utf8");
    const missing = OUTPUT_NAMES.filter((name) => !docs.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });
});
