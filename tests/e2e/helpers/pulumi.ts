/**
 * Runs the real `pulumi` CLI the way a user does, on a copy of this repository (a fresh
 * checkout's files, with this checkout's node_modules linked in), with the file backend and the
 * passphrase secrets provider. Everything a command prints is kept, so that the suite can look
 * for secrets in it at the end (`capturedText`).
 */
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { ProcessResult, runProcess } from "../../helpers/process";
import { PROJECT_DIR } from "../../helpers/paths";
import { environment } from "./environment";

export interface CommandResult extends ProcessResult {
  /** -1 when a signal ended the process. */
  readonly code: number;
}

interface Capture {
  readonly label: string;
  readonly text: string;
}

const captures: Capture[] = [];

/**
 * Everything the suite's commands printed, except what was asked to show secrets
 * (`--show-secrets`), for the secret grep.
 */
export function capturedText(): readonly Capture[] {
  return captures;
}

export interface RunOptions {
  /** Standard input (a secret config value: never on the command line). */
  readonly input?: string;
  /** Extra environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory relative to the project copy. */
  readonly cwd?: string;
  /** The output is meant to hold secrets (`--show-secrets`): kept out of the secret grep. */
  readonly showsSecrets?: boolean;
}

/** Keeps a command's output for the secret grep (for commands not run through `runCommand`). */
export function capture(label: string, text: string): void {
  captures.push({ label, text });
}

/** Runs a command, capturing its output; never throws for a non-zero exit. */
export async function runCommand(
  file: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  options: RunOptions = {},
): Promise<CommandResult> {
  const result = await runProcess(file, args, {
    cwd,
    env: { ...env, ...options.env },
    input: options.input,
  });
  if (options.showsSecrets !== true) {
    captures.push({
      label: `${path.basename(file)} ${args.join(" ")}`,
      text: result.stdout + result.stderr,
    });
  }
  return { ...result, code: result.code ?? -1 };
}

/** The repository's files as a fresh clone has them (tracked and new, not ignored). */
function checkoutFiles(): string[] {
  const listed = execFileSync(
    "git",
    ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    {
      cwd: PROJECT_DIR,
      encoding: "utf8",
    },
  );
  return listed
    .split("\0")
    .filter((file) => file !== "" && fs.existsSync(path.join(PROJECT_DIR, file)));
}

/** A copy of the project with its own backend and passphrase, driven through the real CLI. */
export class PulumiProject {
  /** The copy's root (holds Pulumi.yaml). */
  readonly dir: string;
  readonly backendUrl: string;
  /** The passphrase of this copy's stacks (a secret: never printed). */
  readonly passphrase: string;

  /**
   * @param files the project's files by path; defaults to this checkout's (another program, such
   * as the engine benchmark's floor, brings its own and shares the checkout's node_modules).
   */
  constructor(name: string, files?: Readonly<Record<string, string>>) {
    const env = environment();
    this.dir = path.join(env.workDir, name);
    if (files === undefined) {
      for (const file of checkoutFiles()) {
        const target = path.join(this.dir, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_DIR, file), target);
      }
    } else {
      for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
        fs.writeFileSync(path.join(this.dir, file), text);
      }
    }
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(this.dir, "node_modules"));
    const state = path.join(env.workDir, `${name}-state`);
    fs.mkdirSync(state, { recursive: true });
    this.backendUrl = `file://${state}`;
    this.passphrase = crypto.randomBytes(12).toString("hex");
  }

  /** The environment a user of this copy has: backend and passphrase exported. */
  env(): NodeJS.ProcessEnv {
    return {
      ...environment().env,
      PULUMI_BACKEND_URL: this.backendUrl,
      PULUMI_CONFIG_PASSPHRASE: this.passphrase,
    };
  }

  /** `pulumi <args>` in the copy (or a directory of it). */
  pulumi(args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    return runCommand("pulumi", args, path.join(this.dir, options.cwd ?? ""), this.env(), options);
  }

  /** Like `pulumi`, but fails the test with the command's output when it exits non-zero. */
  async pulumiOk(args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const result = await this.pulumi(args, options);
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  }

  /** Sets plain config values on a stack. */
  async setConfig(
    stack: string,
    values: Readonly<Record<string, string>>,
    cwd?: string,
  ): Promise<void> {
    // One CLI process for all of them (each start of the CLI costs about a second here).
    const pairs = Object.entries(values).flatMap(([key, value]) => [
      "--plaintext",
      `${key}=${value}`,
    ]);
    if (pairs.length === 0) return;
    await this.pulumiOk(["config", "set-all", "--stack", stack, ...pairs], { cwd });
  }

  /** Sets a secret from standard input, as a user pipes a file into `pulumi config set`. */
  async setSecret(stack: string, key: string, value: string, cwd?: string): Promise<void> {
    await this.pulumiOk(["config", "set", "--stack", stack, "--secret", key], {
      input: value,
      cwd,
    });
  }

  /** `pulumi stack output --json`, parsed. */
  async outputs(
    stack: string,
    showSecrets: boolean,
    cwd?: string,
  ): Promise<Record<string, unknown>> {
    const args = ["stack", "output", "--json", "--stack", stack];
    const result = await this.pulumiOk(showSecrets ? [...args, "--show-secrets"] : args, {
      cwd,
      showsSecrets: showSecrets,
    });
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }
}

/** One entry of `pulumi stack history --json`: an update's kind, result and changes. */
export interface UpdateRecord {
  readonly kind: string;
  readonly result: string;
  readonly resourceChanges?: Readonly<Record<string, number>>;
}

/** The stack's updates, newest first. */
export async function history(
  project: PulumiProject,
  stack: string,
  cwd?: string,
): Promise<UpdateRecord[]> {
  const result = await project.pulumiOk(["stack", "history", "--json", "--stack", stack], { cwd });
  return JSON.parse(result.stdout) as UpdateRecord[];
}
