/**
 * The output contract: the typed parse of plain outputs (what the Automation API driver reads),
 * the table that documents it, and that docs/automation.md lists every output.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import {
  ContractError,
  OUTPUT_CONTRACT,
  OUTPUT_NAMES,
  SECRET_OUTPUT_NAMES,
  checkOutputValue,
  parseStackOutputs,
} from "../lib/contract";

function clusterOnlyOutputs(): Record<string, unknown> {
  return {
    kubeconfig: "apiVersion: v1\n",
    deploymentMode: "clusterOnly",
    stackTag: "organization/andyredis/dev",
    sentinelEndpoint: "redis.redis.svc.cluster.local:26379",
    sentinelHosts: ["a:26379", "b:26379", "c:26379"],
    redisMasterSet: "mymaster",
    redisNamespace: "redis",
    redisReleaseName: "redis",
    redisPassword: "hunter2-very-secret",
    redisClientLabel: { key: "andyredis/redis-client", value: "true" },
  };
}

function awsOutputs(): Record<string, unknown> {
  const result: Record<string, unknown> = { ...clusterOnlyOutputs(), deploymentMode: "aws" };
  for (const name of OUTPUT_NAMES) {
    if (OUTPUT_CONTRACT[name].presence !== "aws") continue;
    result[name] = OUTPUT_CONTRACT[name].kind === "stringArray" ? [`${name}-1`] : `${name}-value`;
  }
  return result;
}

describe("output contract", () => {
  it("has exactly the outputs index.ts exports, with kubeconfig and redisPassword secret", () => {
    assert.equal(OUTPUT_NAMES.length, 29);
    assert.deepEqual([...SECRET_OUTPUT_NAMES].sort(), ["kubeconfig", "redisPassword"]);
    const aws = OUTPUT_NAMES.filter((n) => OUTPUT_CONTRACT[n].presence === "aws");
    assert.equal(aws.length, 17);
    assert.deepEqual(
      OUTPUT_NAMES.filter((n) => OUTPUT_CONTRACT[n].presence === "optional").sort(),
      ["recordSet", "redisMasterEndpoint"],
    );
  });

  it("parses a clusterOnly stack without AWS outputs", () => {
    const parsed = parseStackOutputs("dev", { ...clusterOnlyOutputs(), somethingNew: 1 });
    assert.equal(parsed.deploymentMode, "clusterOnly");
    assert.equal(parsed.vpcId, undefined);
    assert.deepEqual(parsed.redisClientLabel, { key: "andyredis/redis-client", value: "true" });
    // Outputs the contract does not name are dropped, not rejected.
    assert.ok(!("somethingNew" in parsed));
  });

  it("parses an aws stack and requires its foundation outputs", () => {
    assert.equal(parseStackOutputs("dev", awsOutputs()).region, "region-value");
    const partial = awsOutputs();
    delete partial.vpcId;
    delete partial.natIps;
    assert.throws(
      () => parseStackOutputs("dev", partial),
      /output "vpcId" is missing; it is required when deploymentMode is "aws"[\s\S]*"natIps"/,
    );
  });

  it("collects every problem into one ContractError naming the stack", () => {
    const broken = {
      ...clusterOnlyOutputs(),
      deploymentMode: "kubernetes",
      sentinelHosts: "a:26379",
      redisClientLabel: { key: "" },
    };
    delete (broken as Record<string, unknown>).redisPassword;
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
    const docs = fs.readFileSync(path.resolve(__dirname, "..", "docs", "automation.md"), "utf8");
    const missing = OUTPUT_NAMES.filter((name) => !docs.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });
});
