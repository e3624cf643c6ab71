/**
 * The versions the project's toolchain must meet: the Pulumi CLI CI builds (package.json
 * `config.pulumiCli`) against the @pulumi/pulumi the lock file installs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./paths";

interface PackageJson {
  readonly version: string;
  readonly engines?: { readonly node?: string };
  readonly config: { readonly pulumiCli: string; readonly node24: string; readonly node22: string };
}

/** The project's package.json. */
export function projectPackage(): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")) as PackageJson;
}

/** The manifest of an installed package. */
function installedManifest<T>(name: string): T {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), "utf8")) as T;
}

/** The @pulumi/pulumi version installed from the lock file. */
export function pulumiSdkVersion(): string {
  return installedManifest<{ version: string }>("@pulumi/pulumi").version;
}

/** The plugin version an installed provider SDK (`@pulumi/kubernetes`...) asks the engine for. */
export function pluginVersionAskedBy(sdk: string): string {
  return installedManifest<{ pulumi: { version: string } }>(sdk).pulumi.version;
}

/** Compares dotted numeric versions ("3.274.1", "v3.270.0"): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => v.replace(/^v/, "").split(/[.+-]/).slice(0, 3).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}
