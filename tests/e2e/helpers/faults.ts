/**
 * Fault injection for the e2e fault suite: a `pulumi` command that can be killed at a point
 * read from its own output or from the cluster, an API server stopped and started again, and a
 * second, throw-away control plane that can be made to disappear.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { execFile } from "node:child_process";

import { SHARED_TOOLCHAIN_DIR } from "../../helpers/paths";
import { environment } from "./environment";
import { capture, type CommandResult } from "./pulumi";

const run = promisify(execFile);

/** A running command: its output so far, a wait for a line, a signal to its process group. */
export interface RunningCommand {
  output(): string;
  /** Resolves once the output matches `pattern`; rejects on timeout or when the command ends. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Signals the whole process group (the CLI, its language host, its plugins), as CI does. */
  kill(signal: NodeJS.Signals): void;
  readonly done: Promise<CommandResult>;
}

/** Starts `file args` in its own process group, capturing its output for the secret grep. */
export function startCommand(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): RunningCommand {
  const started = Date.now();
  const child = spawn(file, [...args], { cwd, env, detached: true });
  let stdout = "";
  let stderr = "";
  let ended = false;
  const listeners = new Set<() => void>();
  const changed = (): void => listeners.forEach((l) => l());
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
    changed();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
    changed();
  });
  child.stdin.end();
  const done = new Promise<CommandResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      ended = true;
      changed();
      capture(`${path.basename(file)} ${args.join(" ")}`, stdout + stderr);
      resolve({ code: code ?? -1, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
  return {
    output: () => stdout + stderr,
    waitFor: (pattern, timeoutMs = 180_000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout + stderr)) finish(resolve);
          else if (ended) finish(() => reject(new Error(`ended before ${pattern}:\n${stdout}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no ${pattern} in ${timeoutMs} ms:\n${stdout}`))),
          timeoutMs,
        );
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      }),
    kill: (signal) => {
      if (child.pid !== undefined && !ended) process.kill(-child.pid, signal);
    },
    done,
  };
}

/** Polls `check` every 100 ms until it is true (a point in the cluster's state). */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The suite's control plane directory (up.sh's STATE). */
function stateDir(): string {
  return path.join(environment().workDir, "k8s");
}

/**
 * Kills the suite's kube-apiserver and starts it again with the same command line after
 * `downMs`; resolves once it answers again. SIGKILL, not SIGTERM: on SIGTERM it drains for its
 * shutdown delay and did not exit within 30 s here; a crash is also the harder case.
 */
export async function restartApiServer(downMs: number): Promise<{ downSeconds: number }> {
  // The scheduler and the controller manager exit when they cannot renew their leader lease
  // for 10 s (single-instance leader election, as up.sh starts them): seen here, the scheduler
  // gone and a pod Pending for good. An EKS control plane restarts its own; this one is
  // given the same treatment: whichever of them has exited is started again.
  const dependents = ["kube-scheduler", "kube-controller-manager"].map(commandOf);
  const api = commandOf("kube-apiserver");
  const stopped = Date.now();
  process.kill(api.pid, "SIGKILL");
  await until("the API server to exit", async () => !fs.existsSync(`/proc/${api.pid}`), 30_000);
  await new Promise((r) => setTimeout(r, downMs));
  respawn(api);
  await until("the API server to answer", () => kubectlOk(["get", "--raw", "/readyz"]), 60_000);
  const downSeconds = (Date.now() - stopped) / 1000;
  // A lost lease ends them a little after the API server is back.
  await new Promise((r) => setTimeout(r, 5_000));
  for (const component of dependents) {
    if (!fs.existsSync(`/proc/${component.pid}`)) respawn(component);
  }
  return { downSeconds };
}

/** A control-plane process of the suite's cluster: its pid (up.sh's pid file) and command line. */
interface ComponentCommand {
  readonly name: string;
  readonly pid: number;
  readonly argv: readonly string[];
}

function commandOf(name: string): ComponentCommand {
  const pid = Number(fs.readFileSync(path.join(stateDir(), "pids", `${name}.pid`), "utf8").trim());
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  return { name, pid, argv };
}

/** Starts a component again with its command line, its log and its pid file (as up.sh does). */
function respawn(component: ComponentCommand): void {
  const log = fs.openSync(path.join(stateDir(), "logs", `${component.name}.log`), "a");
  const child = spawn(component.argv[0], component.argv.slice(1), {
    detached: true,
    stdio: ["ignore", log, log],
  });
  child.unref();
  fs.writeFileSync(path.join(stateDir(), "pids", `${component.name}.pid`), `${child.pid}\n`);
}

async function kubectlOk(args: string[], kubeconfig = environment().kubeconfigPath) {
  try {
    await kubectl(args, kubeconfig);
    return true;
  } catch {
    return false;
  }
}

/** The toolchain's kubectl when it has one, else the one on PATH. */
function kubectlBinary(): string {
  const built = path.join(
    process.env.E2E_PREFIX ?? "/opt/e2e-toolchain",
    "kubernetes",
    "bin",
    "kubectl",
  );
  return fs.existsSync(built) ? built : "kubectl";
}

/** `kubectl <args>` against a kubeconfig (the suite's by default); throws on failure. */
export async function kubectl(
  args: readonly string[],
  kubeconfig = environment().kubeconfigPath,
): Promise<string> {
  const env = environment().env;
  const { stdout } = await run(kubectlBinary(), ["--kubeconfig", kubeconfig, ...args], {
    env,
    maxBuffer: 16 << 20,
  });
  return stdout;
}

/** A second control plane of its own (own ports, state and kubeconfig), to be made to vanish. */
export interface DisposableCluster {
  readonly kubeconfigPath: string;
  readonly kubeconfig: string;
  /** Stops every component and wipes its state: the cluster is gone. */
  destroy(): Promise<void>;
}

export async function startDisposableCluster(name: string): Promise<DisposableCluster> {
  const env = environment();
  const state = path.join(env.workDir, `${name}-k8s`);
  const kubeconfigPath = path.join(env.workDir, `${name}-kubeconfig`);
  const scripts = path.join(SHARED_TOOLCHAIN_DIR, "kubernetes");
  const scriptEnv = {
    ...env.env,
    STATE: state,
    KUBECONFIG_OUT: kubeconfigPath,
    KUBECONFIG: kubeconfigPath,
  };
  await run("bash", [path.join(scripts, "up.sh")], { env: scriptEnv });
  await run("bash", [path.join(scripts, "storage.sh"), "3"], { env: scriptEnv });
  return {
    kubeconfigPath,
    kubeconfig: fs.readFileSync(kubeconfigPath, "utf8"),
    destroy: async () => {
      // Gone at once, as a deleted cluster is: every process of this control plane (each names
      // its state directory on its command line) killed, then down.sh for what is left. down.sh
      // alone left the API server, controller manager, scheduler and kwok running here.
      for (const pid of processesMentioning(state)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      await run("bash", [path.join(scripts, "down.sh"), "--purge"], { env: scriptEnv });
      fs.rmSync(state, { recursive: true, force: true });
    },
  };
}

/** Live processes whose command line contains `text` (Linux: read from /proc). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text))
        pids.push(Number(entry));
    } catch {
      // Ended between the listing and the read.
    }
  }
  return pids;
}
