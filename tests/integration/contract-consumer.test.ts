/**
 * Runs tests/fixtures/consumer.spec.ts (the consumer example under Pulumi mocks) in a child
 * mocha process. `pulumi.runtime.setMocks` is process-wide and the last call wins, so the
 * consumer's own mocks must not share a process with the program tests' tests/helpers/mocks.ts.
 */
import * as assert from "node:assert/strict";
import { PROJECT_DIR } from "../helpers/paths";
import { runProcess } from "../helpers/process";

describe("consumer example under mocks (child mocha process)", function () {
  this.timeout(60_000);

  it("passes every consumer spec", async () => {
    const { code, stdout, stderr } = await runProcess(
      process.execPath,
      [
        require.resolve("mocha/bin/mocha.js"),
        "--no-config",
        "--require",
        "ts-node/register/transpile-only",
        "--extension",
        "ts",
        "--timeout",
        "60000",
        "--exit",
        "tests/fixtures/consumer.spec.ts",
      ],
      { cwd: PROJECT_DIR, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" } },
    );
    const output = stdout + stderr;
    // A non-zero exit (a failing spec, a crash, a rejection) fails this test with the child's log.
    assert.equal(code, 0, output);
    const passing = /(\d+) passing/.exec(stdout);
    assert.ok(passing !== null && Number(passing[1]) >= 4, `expected at least 4 specs:\n${output}`);
    assert.doesNotMatch(output, /failing|pending/);
  });
});
