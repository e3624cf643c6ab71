/**
 * Where the end-to-end suite runs: a Pulumi CLI and a Kubernetes cluster.
 *
 * - `ANDYREDIS_E2E_KUBECONFIG` set: that cluster (kind, minikube, EKS...) and the `pulumi` on
 *   PATH, with the plugins it downloads itself. The cluster needs 3 schedulable nodes labelled
 *   `topology.kubernetes.io/zone` and a default StorageClass (README, "End-to-end tests").
 * - Otherwise: the toolchain built by `../shared/e2e-toolchain/install.sh` (a real Pulumi engine
 *   and a real control plane with kwok-simulated nodes), started here and stopped at the end.
 *
 * Nothing is skipped: without either, the suite fails and says what is missing.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { compareVersions, projectPackage, pulumiSdkVersion } from "../../helpers/toolchain";
import { SHARED_TOOLCHAIN_DIR } from "../../helpers/paths";

const run = promisify(execFile);

/** The shared toolchain's scripts (up.sh, storage.sh, down.sh, env.sh). */
const TOOLCHAIN_DIR = process.env.ANDYREDIS_E2E_TOOLCHAIN ?? SHARED_TOOLCHAIN_DIR;
/** Where install.sh put the binaries. */
const TOOLCHAIN_PREFIX = process.env.E2E_PREFIX ?? "/opt/e2e-toolchain";

/**
 * The simulated cluster's volumes. Released ones are not reused (the class retains them, as
 * gp3's Delete policy would not), so every fresh install of the release takes 3 new ones: the
 * suite makes about 6 (cluster-only, the driver's up and ephemeral, the fault suite's first up,
 * its uninstalled release and its protectData destroy), so 30 leaves room. With 12, the fault
 * suite's reinstall waited for a volume until Helm's timeout.
 */
const SIMULATED_VOLUMES = 30;

export interface E2eEnvironment {
  /** Environment for every child process: PATH with `pulumi`, PULUMI_HOME, no update checks. */
  readonly env: NodeJS.ProcessEnv;
  readonly kubeconfigPath: string;
  /** The kubeconfig's text (a secret: never printed). */
  readonly kubeconfig: string;
  /** Which cluster: "simulated" (the shared toolchain) or "given" (ANDYREDIS_E2E_KUBECONFIG). */
  readonly cluster: "simulated" | "given";
  /** A scratch directory for this run, removed at the end. */
  readonly workDir: string;
  /** Seconds from nothing to a cluster ready for the stack (0 for a given cluster). */
  readonly clusterReadySeconds: number;
  stop(): Promise<void>;
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function baseEnv(extraPath: string[], pulumiHome?: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: [...extraPath, process.env.PATH ?? ""].join(path.delimiter),
    ...(pulumiHome === undefined ? {} : { PULUMI_HOME: pulumiHome }),
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "1",
    // CI logs are not terminals: what a user sees there is what the suite checks.
    NO_COLOR: "1",
  };
}

async function startSimulatedCluster(workDir: string): Promise<E2eEnvironment> {
  const pulumiBin = path.join(TOOLCHAIN_PREFIX, "pulumi", "bin");
  const k8sBin = path.join(TOOLCHAIN_PREFIX, "kubernetes", "bin");
  const missing = [
    ...[
      path.join(pulumiBin, "pulumi"),
      path.join(k8sBin, "kube-apiserver"),
      path.join(k8sBin, "kwok"),
    ].filter((file) => !executable(file)),
    ...[path.join(TOOLCHAIN_DIR, "kubernetes", "up.sh")].filter((file) => !fs.existsSync(file)),
  ];
  if (missing.length > 0) {
    throw new Error(
      `the e2e toolchain is missing (${missing.join(", ")}): run ` +
        `\`bash ../shared/e2e-toolchain/install.sh\` once, or set ANDYREDIS_E2E_KUBECONFIG to ` +
        "a cluster's kubeconfig and put a Pulumi CLI on PATH (README, End-to-end tests)",
    );
  }
  const env = baseEnv([pulumiBin], path.join(TOOLCHAIN_PREFIX, "pulumi", "home"));
  const state = path.join(workDir, "k8s");
  const kubeconfigPath = path.join(workDir, "kubeconfig");
  const kubectl = path.join(k8sBin, "kubectl");
  const scriptEnv = {
    ...env,
    E2E_K8S_BIN: k8sBin,
    STATE: state,
    KUBECONFIG_OUT: kubeconfigPath,
    KUBECONFIG: kubeconfigPath,
    ...(executable(kubectl) ? { KUBECTL: kubectl } : {}),
  };
  const started = Date.now();
  const stop = async (): Promise<void> => {
    await run("bash", [path.join(TOOLCHAIN_DIR, "kubernetes", "down.sh")], { env: scriptEnv });
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await run("bash", [path.join(TOOLCHAIN_DIR, "kubernetes", "up.sh")], { env: scriptEnv });
    await run(
      "bash",
      [path.join(TOOLCHAIN_DIR, "kubernetes", "storage.sh"), String(SIMULATED_VOLUMES)],
      { env: scriptEnv },
    );
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return {
    env,
    kubeconfigPath,
    kubeconfig: fs.readFileSync(kubeconfigPath, "utf8"),
    cluster: "simulated",
    workDir,
    clusterReadySeconds: (Date.now() - started) / 1000,
    stop,
  };
}

function givenCluster(workDir: string, kubeconfigPath: string): E2eEnvironment {
  if (!fs.existsSync(kubeconfigPath)) {
    throw new Error(`ANDYREDIS_E2E_KUBECONFIG: no file at ${kubeconfigPath}`);
  }
  return {
    env: baseEnv([]),
    kubeconfigPath,
    kubeconfig: fs.readFileSync(kubeconfigPath, "utf8"),
    cluster: "given",
    workDir,
    clusterReadySeconds: 0,
    stop: async () => fs.rmSync(workDir, { recursive: true, force: true }),
  };
}

let current: E2eEnvironment | undefined;

/** Starts (or adopts) the cluster once for the whole suite. */
export async function startEnvironment(): Promise<E2eEnvironment> {
  if (current !== undefined) return current;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-e2e-"));
  const given = process.env.ANDYREDIS_E2E_KUBECONFIG;
  const started =
    given !== undefined && given !== ""
      ? givenCluster(workDir, given)
      : await startSimulatedCluster(workDir);
  try {
    await assertPulumiCliCoversSdk(started.env);
  } catch (error) {
    await started.stop();
    throw error;
  }
  current = started;
  return current;
}

/**
 * An engine older than the SDK may lack what the SDK asks of it: refuse it up front, naming the
 * install command, instead of failing somewhere in the first `up`.
 */
async function assertPulumiCliCoversSdk(env: NodeJS.ProcessEnv): Promise<void> {
  const { stdout } = await run("pulumi", ["version"], { env });
  const cli = stdout.trim();
  const sdk = pulumiSdkVersion();
  if (compareVersions(cli, sdk) < 0) {
    throw new Error(
      `the Pulumi CLI on PATH is ${cli}, older than the lock file's @pulumi/pulumi ${sdk}: ` +
        `build the toolchain with \`PULUMI_VERSION=${projectPackage().config.pulumiCli} bash ` +
        "../shared/e2e-toolchain/install.sh` or install a newer CLI",
    );
  }
}

/** The environment the root hook started; fails when used outside the e2e suite. */
export function environment(): E2eEnvironment {
  if (current === undefined) {
    throw new Error("the e2e environment is not started (run the suite with npm run test:e2e)");
  }
  return current;
}

export async function stopEnvironment(): Promise<void> {
  const env = current;
  current = undefined;
  await env?.stop();
}
