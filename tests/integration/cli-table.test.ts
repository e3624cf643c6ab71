/**
 * Every command line, run for real as a child process: help, an unknown flag, a missing value,
 * a bad value and a missing input file, each with its exit code and the first line it prints.
 * Also: `--json` through `npm run -s` parses, and the exit-code table of docs/automation.md is
 * the one of lib/cli/exitCodes.ts. ts-node takes seconds of CPU to start (most of it loading
 * TypeScript and transpiling), so the table's runs use the scripts transpiled once
 * (`transpileForChildren`, what ts-node --transpile-only does in each process); the
 * `npm run -s verify` run goes through npm and ts-node as the docs say. The runs start together (a few at a time) in `before` and the tests check
 * their results.
 */
import * as assert from "node:assert/strict";
import { PROJECT_DIR } from "../helpers/paths";
import { runProcess, transpileForChildren } from "../helpers/process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import {
  COMMAND_LINES,
  CommandLineName,
  EXIT_CODE_SUMMARY,
  ExitCode,
  ExitCodeName,
} from "../../lib/cli";
import { sampleOutputs } from "../helpers/outputs";

interface Result {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** The commands npm runs (the Helm post-renderer has no flags to test). */
type Command = Exclude<CommandLineName, "helm-postrender">;

/** The scripts behind the npm scripts, from the one list of command lines (lib/cli/commands.ts). */
const SCRIPTS = Object.fromEntries(
  Object.entries(COMMAND_LINES)
    .filter(([, command]) => Object.keys(command.scripts).length > 0)
    .map(([name, command]) => [name, command.file]),
) as Readonly<Record<Command, string>>;

type Case = "help" | "unknown flag" | "missing value" | "bad value" | "missing file";

interface Row {
  readonly command: Command;
  readonly case: Case;
  readonly args: readonly string[];
  readonly code: number;
  /** The first line of stdout (help) or stderr (errors). */
  readonly firstLine: string | RegExp;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-cli-table-"));
/** Outputs that follow the contract, to reach the `--kubeconfig` file check. */
const outputsFile = path.join(tmp, "outputs.json");

const usage = (command: Command, problem: string): string => `${command}: ${problem}`;

const TABLE: readonly Row[] = [
  // automation
  {
    command: "automation",
    case: "help",
    args: ["--help"],
    code: 0,
    firstLine: "Usage: npm run automation -- <command> [options]",
  },
  {
    command: "automation",
    case: "unknown flag",
    args: ["up", "-s", "dev", "--bogus"],
    code: 2,
    firstLine: usage("automation", "--bogus: unknown flag; use --help to list the flags"),
  },
  {
    command: "automation",
    case: "missing value",
    args: ["up", "--stack"],
    code: 2,
    firstLine: usage("automation", "--stack: needs a value"),
  },
  {
    command: "automation",
    case: "bad value",
    args: ["drill", "-s", "dev", "--scenario", "master-crsh"],
    code: 2,
    firstLine: /^automation: --scenario "master-crsh": use one of master-crash, /,
  },
  {
    command: "automation",
    case: "missing file",
    args: ["up", "-s", "dev", "--secret-file", "andyredis:redisPassword=/missing/pw"],
    code: 2,
    firstLine: usage(
      "automation",
      '--secret-file andyredis:redisPassword: cannot read the file "/missing/pw"',
    ),
  },
  // verify
  {
    command: "verify",
    case: "help",
    args: ["-h"],
    code: 0,
    firstLine: "Usage: npm run -s verify -- <target> [--json]",
  },
  {
    command: "verify",
    case: "unknown flag",
    args: ["--local", "--scenarios", "master-crash"],
    code: 2,
    firstLine: usage("verify", "--scenarios: unknown flag; use --help to list the flags"),
  },
  {
    command: "verify",
    case: "missing value",
    args: ["--outputs"],
    code: 2,
    firstLine: usage("verify", "--outputs: needs a value"),
  },
  {
    command: "verify",
    case: "bad value",
    args: ["--sentinel", "nohost"],
    code: 2,
    firstLine: usage("verify", '--sentinel: "nohost" is not host:port'),
  },
  {
    command: "verify",
    case: "missing file",
    args: ["--outputs", "/missing.json"],
    code: 2,
    firstLine: usage("verify", '--outputs: "/missing.json": no such file'),
  },
  {
    command: "verify",
    case: "missing file",
    args: ["--outputs", outputsFile, "--kubeconfig", "/missing.kubeconfig"],
    code: 2,
    firstLine: usage("verify", '--kubeconfig: "/missing.kubeconfig": no such file'),
  },
  // drill
  {
    command: "drill",
    case: "help",
    args: ["--help"],
    code: 0,
    firstLine: "Usage: npm run -s drill -- <target> [--scenarios a,b] [--json] [--svg file]",
  },
  {
    command: "drill",
    case: "unknown flag",
    args: ["--local", "--sentinel", "127.0.0.1:26379"],
    code: 2,
    firstLine: usage("drill", "--sentinel: unknown flag; use --help to list the flags"),
  },
  {
    command: "drill",
    case: "missing value",
    args: ["--local", "--scenarios"],
    code: 2,
    firstLine: usage("drill", "--scenarios: needs a value"),
  },
  {
    command: "drill",
    case: "bad value",
    args: ["--local", "--scenarios", "master-crash,graceful-failover"],
    code: 2,
    firstLine: /^drill: --scenarios: unknown graceful-failover; use one of master-crash, /,
  },
  {
    command: "drill",
    case: "missing file",
    args: ["--outputs", "/missing.json"],
    code: 2,
    firstLine: usage("drill", '--outputs: "/missing.json": no such file'),
  },
  // audit (no input file)
  {
    command: "audit",
    case: "help",
    args: ["--help"],
    code: 0,
    firstLine:
      /^Usage: npm run -s audit -- --region <region> --stack-tag <org>\/<project>\/<stack>/,
  },
  {
    command: "audit",
    case: "unknown flag",
    args: ["--bogus", "--region", "us-east-1", "--stack-tag", "o/p/s"],
    code: 2,
    firstLine: usage("audit", "--bogus: unknown flag; use --help to list the flags"),
  },
  {
    command: "audit",
    case: "missing value",
    args: ["--stack-tag", "o/p/s", "--region"],
    code: 2,
    firstLine: usage("audit", "--region: needs a value"),
  },
  {
    command: "audit",
    case: "bad value",
    args: ["--region", "us-east-1", "--stack-tag", "bad"],
    code: 2,
    firstLine: /^audit: --stack-tag: got "bad", expected <org>\/<project>\/<stack>/,
  },
  // bench:failover (no input file)
  {
    command: "bench:failover",
    case: "help",
    args: ["-h"],
    code: 0,
    firstLine: /^Usage: npm run -s bench:failover /,
  },
  {
    command: "bench:failover",
    case: "unknown flag",
    args: ["--run", "1"],
    code: 2,
    firstLine: usage("bench:failover", "--run: unknown flag; use --help to list the flags"),
  },
  {
    command: "bench:failover",
    case: "missing value",
    args: ["--runs"],
    code: 2,
    firstLine: usage("bench:failover", "--runs: needs a value"),
  },
  {
    command: "bench:failover",
    case: "bad value",
    args: ["--runs", "two"],
    code: 2,
    firstLine: usage(
      "bench:failover",
      '--runs: "two" is not allowed; use an integer of at least 0',
    ),
  },
  {
    command: "bench:failover",
    case: "bad value",
    args: ["--scenarios", "master-crsh"],
    code: 2,
    firstLine: /^bench:failover: --scenarios: unknown master-crsh; use one of master-crash, /,
  },
  // bench:e2e (no input file)
  {
    command: "bench:e2e",
    case: "help",
    args: ["--help"],
    code: 0,
    firstLine: "Usage: npm run -s bench:e2e [-- --runs N] [--out DIR]",
  },
  {
    command: "bench:e2e",
    case: "unknown flag",
    args: ["--bogus"],
    code: 2,
    firstLine: usage("bench:e2e", "--bogus: unknown flag; use --help to list the flags"),
  },
  {
    command: "bench:e2e",
    case: "missing value",
    args: ["--runs"],
    code: 2,
    firstLine: usage("bench:e2e", "--runs: needs a value"),
  },
  {
    command: "bench:e2e",
    case: "bad value",
    args: ["--runs", "11"],
    code: 2,
    firstLine: usage("bench:e2e", '--runs: "11" is not allowed; use an integer from 1 to 10'),
  },
];

/** A clean environment: no AWS region, no Redis password, no passphrase. */
const ENV = { PATH: process.env.PATH ?? "", HOME: tmp };

/** The command lines transpiled once for every run (see `transpileForChildren`). */
let compiled: (script: string) => string;

function run(file: string, args: readonly string[], command = process.execPath): Promise<Result> {
  const argv = command === process.execPath ? [compiled(file), ...args] : [...args];
  return runProcess(command, argv, { cwd: PROJECT_DIR, env: ENV }).then(
    ({ code, stdout, stderr }) => ({
      code,
      out: stdout,
      err: stderr,
    }),
  );
}

/** Runs the tasks at most `limit` at a time (two shared cores; ts-node is CPU-bound at start). */
async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe("every CLI: help, unknown flag, missing value, bad value, missing file (child processes)", function () {
  this.timeout(600000);
  const results = new Map<Row, Result>();
  let jsonRun: Result;

  before(async () => {
    fs.writeFileSync(outputsFile, JSON.stringify(sampleOutputs()));
    compiled = await transpileForChildren(path.join(tmp, "compiled"), Object.values(SCRIPTS));
    const tasks: (() => Promise<unknown>)[] = TABLE.map(
      (row) => async () => results.set(row, await run(SCRIPTS[row.command], row.args)),
    );
    // Through npm, as the docs say to run it: `-s` keeps npm's banner out of stdout.
    tasks.push(async () => {
      jsonRun = await run("", ["run", "-s", "verify", "--", "--local", "--json"], "npm");
    });
    await pooled(tasks, 4);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("covers every command with help, an unknown flag, a missing value and a bad value", () => {
    for (const command of Object.keys(SCRIPTS) as Command[]) {
      const cases = new Set(TABLE.filter((r) => r.command === command).map((r) => r.case));
      for (const needed of ["help", "unknown flag", "missing value", "bad value"] as const) {
        assert.ok(cases.has(needed), `${command}: no "${needed}" row`);
      }
    }
  });

  for (const row of TABLE) {
    it(`${row.command} ${row.args.join(" ")} (${row.case}) exits ${row.code}`, () => {
      const result = results.get(row);
      assert.ok(result !== undefined);
      const text = row.case === "help" ? result.out : result.err;
      assert.equal(result.code, row.code, `stdout:\n${result.out}\nstderr:\n${result.err}`);
      const first = text.split("\n")[0];
      if (typeof row.firstLine === "string") assert.equal(first, row.firstLine);
      else assert.match(first, row.firstLine);
      if (row.case !== "help") {
        assert.doesNotMatch(result.err, /ENOENT|\n\s+at /, "no raw error or stack trace");
        assert.match(result.err, /^Usage: /m, "the usage line follows the problems");
      } else {
        assert.match(result.out, /^Exit codes/m, "the help lists the exit codes");
      }
    });
  }

  it("`npm run -s verify -- --local --json` writes JSON that parses, and exits 0", () => {
    assert.equal(jsonRun.code, ExitCode.ok, jsonRun.err);
    const report = JSON.parse(jsonRun.out) as { ok: boolean };
    assert.equal(report.ok, true);
  });
});

describe("the exit-code table", () => {
  it("docs/automation.md lists every code of lib/cli/exitCodes.ts once, and no other", () => {
    const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "automation.md"), "utf8");
    const section = doc.slice(doc.indexOf("### Exit codes"));
    const rows = [...section.matchAll(/^\| (\d+)\s+\| ([^|]+?)\s*\|/gm)].map((m) => ({
      code: Number(m[1]),
      meaning: m[2],
    }));
    const documented = rows.map((r) => r.code).sort((a, b) => a - b);
    const codes = Object.values(ExitCode)
      .map(Number)
      .sort((a, b) => a - b);
    assert.deepEqual(documented, codes);
    assert.equal(new Set(codes).size, codes.length, "each code has one name");
    for (const name of Object.keys(ExitCode) as ExitCodeName[]) {
      assert.ok(EXIT_CODE_SUMMARY[name] !== "", name);
    }
  });
});
