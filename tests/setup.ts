/**
 * Mocha setup, loaded before every spec (see .mocharc.json).
 *
 * Under Pulumi mocks an exception inside an `apply` or a failed registration does not fail the
 * run: it surfaces, if at all, as an unhandled rejection while mocha goes on and exits 0. Rethrow
 * so that such a failure fails the test run.
 */
process.on("unhandledRejection", (reason) => {
  throw reason instanceof Error ? reason : new Error(`unhandled rejection: ${String(reason)}`);
});
