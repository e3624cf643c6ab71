/**
 * What the driver checks before it touches a workspace: the Pulumi CLI, the state backend and
 * the passphrase. Pure: the environment and the file system are passed in, so tests need neither.
 */
import * as path from "node:path";

import { PassphraseEmptyError, PassphraseMissingError, PulumiCliMissingError } from "./failures";

/** Environment variables, as `process.env` has them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The file system questions the checks ask. */
export interface FileProbe {
  /** True when `file` exists and may be executed. */
  isExecutable(file: string): boolean;
  /** True when `file` exists and may be read. */
  isReadable(file: string): boolean;
  /** True when the readable `file` holds nothing but whitespace. */
  isBlank(file: string): boolean;
}

/** The state directory under the project (gitignored) used when no backend is configured. */
export const LOCAL_STATE_DIR = ".pulumi-state";

/** Treats an empty variable as unset: CI systems export unset secrets and variables as "". */
function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * The Pulumi CLI on PATH, or a PulumiCliMissingError saying how to install it. The Automation
 * API runs `pulumi` from PATH; without it every call fails with a bare spawn error (ENOENT), so
 * the driver looks first.
 */
export function findPulumiCli(env: Env, probe: FileProbe, platform = process.platform): string {
  const names = platform === "win32" ? ["pulumi.exe", "pulumi.cmd"] : ["pulumi"];
  const dirs = (envValue(env, "PATH") ?? "").split(path.delimiter).filter((d) => d !== "");
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (probe.isExecutable(candidate)) return candidate;
    }
  }
  throw new PulumiCliMissingError(
    "The Pulumi CLI was not found on PATH; the Automation API drives it and cannot run without " +
      "it.\nInstall it (https://www.pulumi.com/docs/iac/download-install/, e.g. " +
      "`curl -fsSL https://get.pulumi.com | sh`) and put ~/.pulumi/bin on PATH; in GitHub " +
      "Actions use the pulumi/actions step. No Pulumi Cloud account is needed.",
  );
}

export interface Backend {
  readonly url: string;
  /** True when the driver chose the project-local file backend (the directory must exist). */
  readonly local: boolean;
  /** The local state directory, when `local`. */
  readonly directory?: string;
}

/** `PULUMI_BACKEND_URL` when set, else a file backend in `<projectDir>/.pulumi-state`. */
export function resolveBackend(env: Env, projectDir: string): Backend {
  const configured = envValue(env, "PULUMI_BACKEND_URL");
  if (configured !== undefined) return { url: configured, local: false };
  const directory = path.join(projectDir, LOCAL_STATE_DIR);
  // An absolute path after file:// gives file:///..., the form Pulumi documents.
  return { url: `file://${directory}`, local: true, directory };
}

/**
 * Checks that the passphrase secrets provider can get its passphrase without a prompt (the
 * Automation API cannot answer one, and the CLI would fail deep inside the first operation),
 * and that it is not empty. Pulumi takes PULUMI_CONFIG_PASSPHRASE whenever it is set, even to
 * "", before PULUMI_CONFIG_PASSPHRASE_FILE; CI passes "" for a secret that is not defined, and
 * Pulumi would then encrypt the stack's secrets with an empty passphrase. Refused, with its own
 * exit code. Other providers (awskms://, ...) bring their own credentials and are not checked.
 */
export function checkPassphrase(env: Env, secretsProvider: string, probe: FileProbe): void {
  if (secretsProvider !== "passphrase") return;
  const phrase = env.PULUMI_CONFIG_PASSPHRASE;
  if (phrase !== undefined && phrase.trim() !== "") return;
  if (phrase !== undefined) {
    throw new PassphraseEmptyError(
      "PULUMI_CONFIG_PASSPHRASE is set but empty (in CI, the secret it comes from is probably " +
        "not defined for this event or environment): Pulumi would encrypt the stack's secrets " +
        "with an empty passphrase.\nDefine the secret, or unset the variable and set " +
        "PULUMI_CONFIG_PASSPHRASE_FILE, or use --secrets-provider awskms://... for a new stack.",
    );
  }
  const file = envValue(env, "PULUMI_CONFIG_PASSPHRASE_FILE");
  if (file !== undefined) {
    if (!probe.isReadable(file)) {
      throw new PassphraseMissingError(
        `PULUMI_CONFIG_PASSPHRASE_FILE is set to "${file}", which does not exist or cannot be read.`,
      );
    }
    if (probe.isBlank(file)) {
      throw new PassphraseEmptyError(
        `PULUMI_CONFIG_PASSPHRASE_FILE is set to "${file}", which is empty: Pulumi would ` +
          "encrypt the stack's secrets with an empty passphrase. Write the passphrase into it.",
      );
    }
    return;
  }
  throw new PassphraseMissingError(
    "The stack's secrets use the passphrase provider, but neither PULUMI_CONFIG_PASSPHRASE nor " +
      "PULUMI_CONFIG_PASSPHRASE_FILE is set.\nSet one of them (in CI, from a repository " +
      "secret), or pass --secrets-provider awskms://... for a new stack.",
  );
}

/** The environment the driver adds to every Pulumi command it runs. */
export function workspaceEnv(backend: Backend): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: backend.url,
    // The CLI's update check calls the internet and prints a nag; neither helps in CI.
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
}
