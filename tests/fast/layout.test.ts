/**
 * The layout's two rules, checked on the tree: module names are unique outside tests/ (so a name
 * says which module it is), and the ESLint rule that keeps I/O in io/ folders bites.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ESLint } from "eslint";
import { PROJECT_DIR } from "../helpers/paths";

/** Folders that hold no modules of ours, or tests (whose names follow their subject's). */
const SKIPPED = new Set(["node_modules", "tests", "bin", "drill-output", ".git", ".pulumi-state"]);

function tsModules(dir: string): string[] {
  return fs.readdirSync(path.join(PROJECT_DIR, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory())
      return SKIPPED.has(entry.name) || entry.name.startsWith(".") ? [] : tsModules(file);
    return file.endsWith(".ts") && !file.endsWith(".d.ts") ? [file] : [];
  });
}

/** Module basenames used more than once, with their paths (`index.ts` is named by its folder). */
export function duplicateModuleNames(files: readonly string[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const file of files) {
    const name = path.basename(file);
    if (name === "index.ts") continue;
    byName.set(name, [...(byName.get(name) ?? []), file]);
  }
  return new Map([...byName].filter(([, paths]) => paths.length > 1));
}

describe("layout: module names", () => {
  it("finds a duplicate basename (the check itself)", () => {
    const dups = duplicateModuleNames([
      "lib/a/network.ts",
      "components/network.ts",
      "lib/x/index.ts",
      "index.ts",
    ]);
    assert.deepEqual([...dups.keys()], ["network.ts"]);
  });

  it("gives every module outside tests/ a name no other module has", () => {
    const files = tsModules("");
    assert.ok(files.includes("lib/tags.ts"), files.join(", "));
    const dups = duplicateModuleNames(files);
    assert.deepEqual(
      Object.fromEntries(dups),
      {},
      "rename one of each (a name should say which module it is)",
    );
  });
});

describe("layout: the ESLint rule keeps I/O in io/ folders", function () {
  this.timeout(60000);
  const eslint = new ESLint({ cwd: PROJECT_DIR });
  const ruleIds = async (text: string, filePath: string): Promise<string[]> => {
    const [result] = await eslint.lintText(text, { filePath: path.join(PROJECT_DIR, filePath) });
    return result.messages.map((m) => m.ruleId ?? m.message);
  };

  it("refuses node:fs, ioredis and an AWS client in a pure module, as import or require", async () => {
    for (const source of [
      'import * as fs from "node:fs";\nexport const x = fs.existsSync;\n',
      'import Redis from "ioredis";\nexport const x = Redis;\n',
      'import { EC2 } from "@aws-sdk/client-ec2";\nexport const x = EC2;\n',
      'import { spawn } from "child_process";\nexport const x = spawn;\n',
    ]) {
      assert.deepEqual(await ruleIds(source, "lib/drill/fixture.ts"), [
        "@typescript-eslint/no-restricted-imports",
      ]);
    }
    assert.deepEqual(
      await ruleIds(
        'export const x = () => require("node:child_process");\n',
        "lib/cleanup/fixture.ts",
      ),
      ["@typescript-eslint/no-require-imports", "no-restricted-syntax"],
    );
  });

  it("refuses a value import of an io/ module outside io/ (but its types, and the SDK gateway)", async () => {
    const io = 'import { runDrill } from "./io/drillRun";\nexport const x = runDrill;\n';
    assert.deepEqual(await ruleIds(io, "lib/drill/fixture.ts"), [
      "@typescript-eslint/no-restricted-imports",
    ]);
    const types =
      'import type { DrillOptions } from "./io/drillRun";\nexport type X = DrillOptions;\n';
    assert.deepEqual(await ruleIds(types, "lib/drill/fixture.ts"), []);
    const gateway = 'import { ec2Sdk } from "../io/sdk";\nexport const x = ec2Sdk;\n';
    assert.deepEqual(await ruleIds(gateway, "lib/cleanup/targets/fixture.ts"), []);
    assert.deepEqual(await ruleIds(io, "lib/drill/io/fixture.ts"), []);
  });

  it("allows the same import under io/ and in a CLI, and type imports anywhere", async () => {
    const source = 'import * as fs from "node:fs";\nexport const x = fs.existsSync;\n';
    assert.deepEqual(await ruleIds(source, "lib/drill/io/fixture.ts"), []);
    assert.deepEqual(await ruleIds(source, "cli/fixture.ts"), []);
    assert.deepEqual(
      await ruleIds(
        'import type { EC2Client } from "@aws-sdk/client-ec2";\nexport type X = EC2Client;\n',
        "lib/cleanup/fixture.ts",
      ),
      [],
    );
  });
});
