/**
 * Starts moto's server (`moto[server]` 5.2.1) on a free loopback port for one test file, and
 * gives AWS SDK v3 client settings pointed at it. One server per file (before/after hooks);
 * `reset()` between tests is cheaper than a restart.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";

export const MOTO_REGION = "us-east-1";

export interface MotoServer {
  readonly endpoint: string;
  /** Client settings: endpoint, region, dummy credentials. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  /** Env for a child process whose SDK clients must reach this server. */
  readonly env: Record<string, string>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const MOTO_MISSING =
  "moto is not installed (needed by the cleanup tests): pip install 'moto[server]==5.2.1'";

async function waitReady(endpoint: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      // No separate probe for the module: importing moto costs a second of CPU.
      if (/No module named '?moto/.test(log())) throw new Error(`${MOTO_MISSING}\n${log()}`);
      throw new Error(`moto server exited with ${child.exitCode}: ${log()}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto server did not answer within 30 s: ${log()}`);
}

/** Starts moto; throws a clear error when python3 or moto is missing. */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
    // Moto loads ~1,200 default AMIs (and their snapshots) into every fresh EC2 backend, after
    // each reset: seconds per test, and a thousand snapshots owned by "self" in every listing.
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: "false" },
  });
  let output = "";
  const keep = (b: Buffer): void => {
    output = (output + b.toString("utf8")).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const started = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error) =>
      reject(new Error(`${MOTO_MISSING} (python3: ${error.message})`)),
    );
  });
  try {
    await started;
    await waitReady(endpoint, child, () => output);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };
  return {
    endpoint,
    clientConfig: { endpoint, region: MOTO_REGION, credentials, maxAttempts: 1 },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: MOTO_REGION,
    },
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!res.ok) throw new Error(`moto reset: HTTP ${res.status}`);
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      });
    },
  };
}
