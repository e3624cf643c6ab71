/**
 * Root hooks of the e2e suite: one cluster for every spec file, started before the first and
 * stopped after the last.
 */
import { startEnvironment, stopEnvironment } from "./helpers/environment";

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(300_000);
    const env = await startEnvironment();
    process.stdout.write(
      `  e2e: ${env.cluster === "simulated" ? `simulated cluster ready in ${env.clusterReadySeconds.toFixed(1)} s` : "given cluster"}; work dir ${env.workDir}\n`,
    );
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    if (process.env.ANDYREDIS_E2E_KEEP !== undefined) return;
    await stopEnvironment();
  },
};
