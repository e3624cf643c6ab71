import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { NAMESPACE } from "../../config";
import { ALL_KEYS, declaredDefault, DEFAULTS, SECRET_KEYS, specOf } from "../../lib/config/keys";
import { pulumiYamlConfig, README_HEADER, readmeRows, readmeTables } from "../../lib/config/render";
import { SECTIONS } from "../../lib/config/keys";
import { DEFAULT_TUNING } from "../../lib/tuning";
import { PROJECT_DIR } from "../helpers/paths";

const read = (file: string): string => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");

interface Declaration {
  type?: string;
  default?: unknown;
  secret?: boolean;
  description?: string;
}

/** The cells of each row of the markdown table that follows `### <section>` in the README. */
function readmeTable(readme: string, section: string): string[][] {
  const start = readme.indexOf(`\n### ${section}\n`);
  assert.ok(start >= 0, `README has no section "### ${section}"`);
  const lines = readme.slice(start).split("\n").slice(2);
  const rows: string[][] = [];
  for (const line of lines.slice(lines.findIndex((l) => l.startsWith("|")))) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows.filter((_, i) => i !== 1); // the --- row
}

describe("docs and schema match the config table", () => {
  const project = YAML.parse(read("Pulumi.yaml")) as { config: Record<string, Declaration> };
  const readme = read("README.md");

  it("declares in Pulumi.yaml exactly what the table renders", () => {
    const expected = pulumiYamlConfig(NAMESPACE);
    assert.deepEqual(
      project.config,
      JSON.parse(JSON.stringify(expected)),
      `Pulumi.yaml's config block differs from lib/config/keys.ts; it should read:\n${YAML.stringify({ config: expected }, { lineWidth: 0 })}`,
    );
  });

  it("declares every key so that the real engine requires none and type-checks none", () => {
    // Pulumi 3.248 to 3.274: a declared key without a default is required (`default: null` counts as
    // none); a typed key is checked one error at a time before the program runs; a typed
    // secret fed by its default fails as "must be encrypted".
    for (const [key, declaration] of Object.entries(project.config)) {
      assert.ok(key.startsWith(`${NAMESPACE}:`), key);
      assert.ok(
        declaration.default !== undefined && declaration.default !== null,
        `${key} has no default`,
      );
      assert.equal(declaration.type, undefined, `${key} has a type`);
      assert.ok(declaration.description, `${key} has no description`);
    }
    for (const key of SECRET_KEYS) {
      const declaration = project.config[`${NAMESPACE}:${key}`];
      assert.equal(declaration.secret, true, key);
      assert.equal(declaration.default, "", `${key}: a secret's default must be "" (unset)`);
    }
  });

  it("declares a fixed default only for keys of every mode, and the table's own", () => {
    for (const key of ALL_KEYS) {
      const declared = project.config[`${NAMESPACE}:${key}`].default;
      if (declared !== "") {
        assert.deepEqual(
          declared,
          JSON.parse(JSON.stringify(DEFAULTS[key as keyof typeof DEFAULTS])),
          key,
        );
        assert.equal(specOf(key).modes.length, 2, `${key} applies to one mode only`);
      }
      assert.deepEqual(declared, JSON.parse(JSON.stringify(declaredDefault(key))), key);
    }
  });

  it("takes the tuning defaults from lib/tuning.ts", () => {
    assert.equal(DEFAULTS.redisMasterSet, DEFAULT_TUNING.masterSet);
    assert.equal(DEFAULTS.sentinelQuorum, DEFAULT_TUNING.quorum);
    assert.equal(DEFAULTS.sentinelDownAfterMs, DEFAULT_TUNING.downAfterMs);
    assert.equal(DEFAULTS.sentinelFailoverTimeoutMs, DEFAULT_TUNING.failoverTimeoutMs);
  });

  it("lists in the README's tables exactly the table's keys, defaults, allowed values and modes", () => {
    for (const section of SECTIONS) {
      const expected = [README_HEADER, ...readmeRows(section)].map((row) => [...row]);
      assert.deepEqual(
        readmeTable(readme, section),
        expected,
        `README section "${section}" differs from lib/config/keys.ts; it should read (then run prettier):\n${readmeTables()}`,
      );
    }
  });

  it("ships a stack file without an encryption salt, so any passphrase works", () => {
    const stack = YAML.parse(read("Pulumi.dev.yaml")) as Record<string, unknown>;
    assert.equal(stack.encryptionsalt, undefined);
    assert.equal(stack.secretsprovider, undefined);
  });

  it("says in the README what <org> is on the file backend", () => {
    assert.match(readme, /file backend[\s\S]{0,200}it is always `organization`/);
  });

  it("gives in the README exactly the test commands that .ci/run runs", () => {
    const block = /\nRun the tests[^\n]*\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'README has no test command block after "Run the tests"');
    const readmeCommands = block.trim().split("\n");
    const ciCommands = read(".ci/run")
      .split("\n")
      .filter((line) => /^npm (test|run )/.test(line));
    assert.deepEqual(ciCommands, readmeCommands);
  });
});
