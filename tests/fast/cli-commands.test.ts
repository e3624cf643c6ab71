/**
 * The one list of command lines (lib/cli/commands.ts) against what runs them: package.json's
 * scripts, the files in cli/, and each command's help, which lists the exit codes the list gives.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { COMMAND_LINES, EXIT_CODE_SUMMARY, ExitCode, HELP } from "../../lib/cli";
import { automationProgram } from "../../cli/automation";
import { auditProgram } from "../../cli/audit";
import { drillProgram } from "../../cli/drill";
import { helmPostrenderProgram } from "../../cli/helmPostrender";
import { verifyProgram } from "../../cli/verify";
import { PROJECT_DIR } from "../helpers/paths";

const packageJson = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

describe("the command-line list", () => {
  it("package.json runs each command line's file with ts-node, with the listed arguments", () => {
    for (const command of Object.values(COMMAND_LINES)) {
      for (const [script, args] of Object.entries(command.scripts)) {
        const expected = `ts-node --transpile-only ${command.file}${args === "" ? "" : ` ${args}`}`;
        assert.equal(packageJson.scripts[script], expected, script);
      }
    }
    const listed = new Set(Object.values(COMMAND_LINES).flatMap((c) => Object.keys(c.scripts)));
    for (const [script, text] of Object.entries(packageJson.scripts)) {
      if (/\b(cli|bench)\/\S+\.ts\b/.test(text))
        assert.ok(listed.has(script), `${script} is listed`);
    }
  });

  it("every `npm run` in the README and docs/ names a package.json script", () => {
    const docs = [
      "README.md",
      ...fs.readdirSync(path.join(PROJECT_DIR, "docs")).map((f) => `docs/${f}`),
    ].filter((f) => f.endsWith(".md"));
    for (const file of docs) {
      const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
      for (const [, script] of text.matchAll(
        /npm run(?: -s)? ([a-z][a-z0-9-]*(?::[a-z0-9-]+)*)/g,
      )) {
        assert.ok(packageJson.scripts[script] !== undefined, `${file}: npm run ${script}`);
      }
    }
  });

  it("lists every command file in cli/", () => {
    const files = fs
      .readdirSync(path.join(PROJECT_DIR, "cli"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `cli/${f}`)
      .sort();
    const listed = Object.values(COMMAND_LINES)
      .map((c) => c.file)
      .filter((f) => f.startsWith("cli/"))
      .sort();
    assert.deepEqual(files, listed);
  });

  it("each command's help lists exactly the exit codes of its entry", () => {
    const programs = {
      automation: automationProgram,
      audit: auditProgram,
      drill: drillProgram(),
      "helm-postrender": helmPostrenderProgram,
      verify: verifyProgram({}),
    } as const;
    for (const [name, program] of Object.entries(programs)) {
      assert.equal(program.parse(["--help"]), HELP);
      const section = program.help.slice(program.help.indexOf("Exit codes"));
      const codes = [...section.matchAll(/^ +(\d+) /gm)].map((m) => Number(m[1]));
      const expected = COMMAND_LINES[name as keyof typeof programs].exitCodes.map(
        (code) => ExitCode[code],
      );
      assert.deepEqual(codes, expected, name);
      for (const code of COMMAND_LINES[name as keyof typeof programs].exitCodes) {
        assert.match(section, new RegExp(EXIT_CODE_SUMMARY[code].replace(/[()]/g, "\\$&")));
      }
    }
  });
});
