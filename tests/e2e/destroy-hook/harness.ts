/**
 * A small self-contained harness for the destroy hook's e2e test: the toolchain of
 * ../shared/e2e-toolchain (the real Pulumi engine 3.248 and a real Kubernetes API), a copy of
 * the hook's sources as a Pulumi program, the `pulumi` CLI on a file backend in a temp dir, and
 * a control plane of its own (or ANDYREDIS_E2E_KUBECONFIG). The lead's shared harness may
 * replace it; nothing here is specific to moto.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO_DIR = path.resolve(__dirname, "../../..");
const E2E_PREFIX = process.env.E2E_PREFIX ?? "/opt/e2e-toolchain";
const TOOLCHAIN_DIR = path.resolve(REPO_DIR, "../shared/e2e-toolchain");

/** The env of ../shared/e2e-toolchain/env.sh; throws naming what to build when it is missing. */
export function toolchainEnv(): Record<string, string> {
  const pulumiBin = path.join(E2E_PREFIX, "pulumi/bin");
  if (!fs.existsSync(path.join(pulumiBin, "pulumi"))) {
    throw new Error(
      `the e2e toolchain is missing (${pulumiBin}/pulumi): bash ${TOOLCHAIN_DIR}/install.sh`,
    );
  }
  return {
    PATH: `${pulumiBin}:${process.env.PATH ?? ""}`,
    PULUMI_HOME: path.join(E2E_PREFIX, "pulumi/home"),
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "1",
    E2E_K8S_BIN: path.join(E2E_PREFIX, "kubernetes/bin"),
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command to its end (with a timeout), capturing its output. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; input?: string; timeoutMs?: number },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(options.input ?? "");
  });
}

/**
 * A copy of the hook's sources laid out as in the repository (components/, lib/, tsconfig.json,
 * the program under tests/e2e/destroy-hook/program), with the repository's node_modules linked
 * in. The program runs from the copy, so a test may change the hook's code there.
 */
export function copyProgram(root: string): string {
  for (const dir of ["components", "lib"]) {
    fs.cpSync(path.join(REPO_DIR, dir), path.join(root, dir), { recursive: true });
  }
  fs.copyFileSync(path.join(REPO_DIR, "tsconfig.json"), path.join(root, "tsconfig.json"));
  const rel = path.join("tests", "e2e", "destroy-hook", "program");
  fs.cpSync(path.join(REPO_DIR, rel), path.join(root, rel), { recursive: true });
  fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(root, "node_modules"), "dir");
  return path.join(root, rel);
}

/** A `pulumi` CLI on a file backend in its own directory, with a passphrase. */
export class PulumiCli {
  readonly env: Record<string, string>;

  constructor(
    readonly programDir: string,
    stateDir: string,
    extraEnv: Record<string, string>,
  ) {
    fs.mkdirSync(stateDir, { recursive: true });
    this.env = {
      ...toolchainEnv(),
      HOME: os.homedir(),
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: "hook-e2e",
      // Transpile only, as the unit tests do: type-checking is `npm run build`'s job.
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      NO_COLOR: "1",
      ...extraEnv,
    };
  }

  async run(args: readonly string[], input?: string): Promise<RunResult> {
    return run("pulumi", [...args, "--non-interactive"], {
      cwd: this.programDir,
      env: this.env,
      input,
      timeoutMs: 600_000,
    });
  }

  /** Runs and throws with the output when the command fails. */
  async ok(args: readonly string[], input?: string): Promise<RunResult> {
    const r = await this.run(args, input);
    if (r.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }
}

/** A Kubernetes API: the one named by ANDYREDIS_E2E_KUBECONFIG, or a control plane of our own. */
export interface Cluster {
  readonly kubeconfigPath: string;
  readonly kubeconfig: string;
  kubectl(args: readonly string[], input?: string): Promise<RunResult>;
  stop(): Promise<void>;
}

export async function startCluster(stateDir: string): Promise<Cluster> {
  const env = toolchainEnv();
  const given = process.env.ANDYREDIS_E2E_KUBECONFIG;
  let kubeconfigPath: string;
  let stop = async (): Promise<void> => undefined;
  if (given) {
    kubeconfigPath = given;
  } else {
    const upSh = path.join(TOOLCHAIN_DIR, "kubernetes", "up.sh");
    kubeconfigPath = path.join(stateDir, "kubeconfig");
    const state = path.join(stateDir, "k8s");
    const up = await run("bash", [upSh], {
      cwd: stateDir,
      env: { ...process.env, ...env, STATE: state, KUBECONFIG_OUT: kubeconfigPath } as Record<
        string,
        string
      >,
      timeoutMs: 180_000,
    });
    if (up.code !== 0) throw new Error(`up.sh failed (${up.code}): ${up.stderr.slice(-3000)}`);
    stop = async () => {
      spawnSync("bash", [path.join(TOOLCHAIN_DIR, "kubernetes", "down.sh")], {
        env: { ...process.env, ...env, STATE: state },
        stdio: "ignore",
      });
    };
  }
  const kubectlBin = fs.existsSync(path.join(env.E2E_K8S_BIN, "kubectl"))
    ? path.join(env.E2E_K8S_BIN, "kubectl")
    : "kubectl";
  return {
    kubeconfigPath,
    kubeconfig: fs.readFileSync(kubeconfigPath, "utf8"),
    kubectl: (args, input) =>
      run(kubectlBin, ["--kubeconfig", kubeconfigPath, ...args], {
        cwd: stateDir,
        env: { PATH: process.env.PATH ?? "", HOME: os.homedir() },
        input,
        timeoutMs: 60_000,
      }),
    stop,
  };
}

/** Retries `check` (every 500 ms, up to `timeoutMs`) until it stops throwing. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
