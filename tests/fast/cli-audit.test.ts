/**
 * cli/audit.ts without AWS: its flags (env as fallback, every problem at once), the exit code
 * of a report and the report's verdict line (the audit against moto is
 * tests/integration/cleanup-moto.test.ts).
 */
import * as assert from "node:assert/strict";

import { auditExitCode, formatAuditReport, parseAuditArgs } from "../../cli/audit";
import { classifyFound } from "../../lib/cleanup/leftovers";
import { ExitCode, HELP } from "../../lib/cli";

describe("audit CLI: flags and exit codes", () => {
  it("parses flags (lib/cli on node:util parseArgs), env as fallback, every problem at once", () => {
    const args = parseAuditArgs(
      ["--region", "r1", "--stack-tag=o/p/s", "--cluster", "c1", "--json", "--allow-no-match"],
      {},
    );
    assert.deepEqual(args, {
      region: "r1",
      stackTag: "o/p/s",
      clusterName: "c1",
      expectSnapshots: false,
      expectRetained: false,
      json: true,
      allowNoMatch: true,
    });
    const fromEnv = parseAuditArgs([], { AWS_REGION: "r2", ANDYREDIS_STACK_TAG: "o/p/t" });
    assert.ok(fromEnv !== HELP);
    assert.equal(fromEnv.region, "r2");
    assert.equal(fromEnv.stackTag, "o/p/t");
    assert.equal(parseAuditArgs(["--bogus", "-h"], {}), HELP, "help wins over any problem");
    assert.throws(
      () => parseAuditArgs(["--json=1", "extra", "--frobnicate", "--cluster"], {}),
      (err: Error) => {
        for (const line of [
          /--json: takes no value/,
          /extra: unexpected argument/,
          /--frobnicate: unknown flag; use --help to list the flags/,
          /--cluster: needs a value/,
          /--region: required/,
          /--stack-tag: got ""/,
        ]) {
          assert.match(err.message, line);
        }
        return true;
      },
    );
  });
  it("exit codes: clean only when the tag matched; no match or a look-alike 19; leftovers 15", () => {
    const report = (matched: number, leftovers: string[] = [], lookAlikes: string[] = []) =>
      ({
        ...classifyFound([], [], { region: "r", stackTag: "o/p/s" }),
        matched,
        leftovers,
        lookAlikes,
        ok: leftovers.length === 0 && lookAlikes.length === 0,
      }) as const;
    assert.equal(auditExitCode(report(2), false), ExitCode.ok);
    assert.equal(auditExitCode(report(0), false), ExitCode.auditNoMatch);
    assert.equal(auditExitCode(report(0), true), ExitCode.ok);
    // A look-alike tag fails even when the caller vouches for the tag.
    assert.equal(auditExitCode(report(0, [], ["o/p/S"]), true), ExitCode.auditNoMatch);
    assert.equal(auditExitCode(report(3, ["vol-1"]), false), ExitCode.leftovers);
    assert.match(
      formatAuditReport(report(0)),
      /NO MATCH: nothing carries andyredis\/stack=o\/p\/s/,
    );
    assert.match(
      formatAuditReport(report(0, [], ["o/p/S"]), true),
      /FAIL: the tag matched nothing, but a look-alike/,
    );
    assert.match(formatAuditReport(report(3, ["vol-1"])), /FAIL: billable resources remain$/);
  });
});
