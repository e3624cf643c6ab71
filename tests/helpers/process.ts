/**
 * Runs a child process to its end and collects what it printed: the one way the tests run a
 * CLI, a serialized provider or the Pulumi CLI; and the project transpiled for such children.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./paths";

export interface ProcessResult {
  /** Exit code; null when a signal ended the process. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface ProcessOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Standard input; closed at once when not given. */
  readonly input?: string;
}

/** Resolves when the process exits, whatever its code; rejects only when it cannot start. */
export function runProcess(
  file: string,
  args: readonly string[],
  options: ProcessOptions,
): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { cwd: options.cwd, env: options.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }),
    );
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Transpiles `entries` (project-relative `.ts` paths, e.g. "cli/audit.ts") and every project
 * file they import into `outDir`, a mirror of the project with its node_modules linked in, the
 * way `ts-node --transpile-only` does it in each process: `transpileModule` with the tsconfig's
 * options. A child started on the output skips loading TypeScript and transpiling, a second or
 * more of CPU per process. Returns the `.js` path of an entry.
 */
export async function transpileForChildren(
  outDir: string,
  entries: readonly string[],
): Promise<(entry: string) => string> {
  const ts = await import("typescript");
  const config = ts.readConfigFile(path.join(PROJECT_DIR, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, PROJECT_DIR);
  const compilerOptions = { ...options, sourceMap: false };
  const outputOf = (file: string): string =>
    path.join(outDir, path.relative(PROJECT_DIR, file)).replace(/\.ts$/, ".js");
  const pending = entries.map((entry) => path.join(PROJECT_DIR, entry));
  const done = new Set<string>();
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
      compilerOptions,
      fileName: file,
    });
    fs.mkdirSync(path.dirname(outputOf(file)), { recursive: true });
    fs.writeFileSync(outputOf(file), outputText);
    // Relative imports (static ones and `await import`) all become require("./...").
    for (const [, specifier] of outputText.matchAll(/require\("(\.{1,2}\/[^"]*)"\)/g)) {
      const base = path.resolve(path.dirname(file), specifier);
      const source = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
      if (source !== undefined) pending.push(source);
    }
  }
  // What the code finds beside it at run time: its packages and the project's package.json.
  for (const shared of ["node_modules", "package.json"]) {
    fs.symlinkSync(path.join(PROJECT_DIR, shared), path.join(outDir, shared));
  }
  return (entry) => outputOf(path.join(PROJECT_DIR, entry));
}
