import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { DEFAULTS, NAMESPACE, PLAIN_KEYS, SECRET_KEYS } from "../config";
import { DEFAULT_TUNING } from "../lib/tuning";

const ROOT = path.join(__dirname, "..");
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

interface Declaration {
  type?: string;
  default?: unknown;
  secret?: boolean;
  description?: string;
}

describe("docs and schema match the code", () => {
  const project = YAML.parse(read("Pulumi.yaml")) as { config: Record<string, Declaration> };
  const declared = Object.keys(project.config).map((k) => k.slice(NAMESPACE.length + 1));
  const readme = read("README.md");

  it("declares in Pulumi.yaml exactly the keys config.ts reads, each with a description", () => {
    assert.deepEqual([...declared].sort(), [...PLAIN_KEYS, ...SECRET_KEYS].sort());
    for (const [key, declaration] of Object.entries(project.config)) {
      assert.ok(declaration.description, `${key} has no description`);
    }
  });

  it("marks the secret keys secret", () => {
    for (const key of SECRET_KEYS)
      assert.equal(project.config[`${NAMESPACE}:${key}`].secret, true, key);
  });

  it("gives in Pulumi.yaml the defaults config.ts applies", () => {
    const tuningDefaults: Record<string, unknown> = {
      redisMasterSet: DEFAULT_TUNING.masterSet,
      sentinelQuorum: DEFAULT_TUNING.quorum,
      sentinelDownAfterMs: DEFAULT_TUNING.downAfterMs,
      sentinelFailoverTimeoutMs: DEFAULT_TUNING.failoverTimeoutMs,
      sentinelParallelSyncs: DEFAULT_TUNING.parallelSyncs,
      redisMinReplicasToWrite: DEFAULT_TUNING.minReplicasToWrite,
      redisMinReplicasMaxLagSeconds: DEFAULT_TUNING.minReplicasMaxLagSeconds,
      redisDisklessSyncDelaySeconds: DEFAULT_TUNING.disklessSyncDelaySeconds,
    };
    const expected: Record<string, unknown> = { ...DEFAULTS, ...tuningDefaults };
    for (const [key, value] of Object.entries(expected)) {
      if (key === "region") continue; // documented: falls back to aws:region first
      const declaration = project.config[`${NAMESPACE}:${key}`];
      assert.ok(declaration, `${key} is not declared`);
      assert.deepEqual(declaration.default, value, `default of ${key}`);
    }
  });

  it("documents every config key in the README", () => {
    for (const key of [...PLAIN_KEYS, ...SECRET_KEYS]) {
      assert.ok(readme.includes(`\`${key}\``), `README does not document ${key}`);
    }
  });

  it("gives in the README the test command that .ci/run runs", () => {
    const ci = read(".ci/run");
    const command = /^npm test$/m.exec(ci)?.[0];
    assert.equal(command, "npm test");
    assert.ok(readme.includes("npm test"));
  });
});
