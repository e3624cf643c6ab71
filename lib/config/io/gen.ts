/**
 * `npm run gen`: writes what is generated from the config table (`keys.ts`) into the files
 * that hold it: Pulumi.yaml's `config:` block and the README's key tables, each between its
 * markers (`render.ts`), formatted by Prettier as `npm run lint` checks them.
 *
 * `npm run gen -- --check` (run by `npm run check`) writes nothing and fails, naming each stale
 * file and the command that brings it up to date.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { NAMESPACE } from "../keys";
import {
  PULUMI_YAML_MARKERS,
  pulumiYamlConfigBlock,
  README_MARKERS,
  readmeTables,
  RegionMarkers,
  replaceRegion,
} from "../render";

/** The repository this module is part of: its Prettier settings format every copy. */
const REPOSITORY_DIR = path.resolve(__dirname, "..", "..", "..");

/** The generated files: where each lives (relative to the project) and what its region holds. */
const GENERATED: readonly {
  readonly file: string;
  readonly markers: RegionMarkers;
  readonly content: () => string;
}[] = [
  {
    file: "Pulumi.yaml",
    markers: PULUMI_YAML_MARKERS,
    content: () => pulumiYamlConfigBlock(NAMESPACE),
  },
  { file: "README.md", markers: README_MARKERS, content: readmeTables },
];

/** What a file should read: its text with the region regenerated, formatted. */
async function expectedText(file: string, text: string, markers: RegionMarkers, content: string) {
  const options = await prettier.resolveConfig(path.join(REPOSITORY_DIR, path.basename(file)));
  return prettier.format(replaceRegion(text, markers, content), { ...options, filepath: file });
}

/**
 * Regenerates the files of the project in `projectDir`. With `check`, writes nothing. Returns
 * the files (relative paths) that were, or in check mode are, stale.
 */
export async function generate(projectDir: string, check: boolean): Promise<string[]> {
  const stale: string[] = [];
  for (const { file, markers, content } of GENERATED) {
    const full = path.join(projectDir, file);
    const text = fs.readFileSync(full, "utf8");
    const expected = await expectedText(full, text, markers, content());
    if (expected === text) continue;
    stale.push(file);
    if (!check) fs.writeFileSync(full, expected);
  }
  return stale;
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes("--check");
  const unknown = argv.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    process.stderr.write(`gen: unknown argument ${unknown.join(" ")}; use --check or nothing\n`);
    return 2;
  }
  const stale = await generate(REPOSITORY_DIR, check);
  for (const file of stale) {
    process.stderr.write(
      check
        ? `${file} is stale: it differs from lib/config/keys.ts; run npm run gen\n`
        : `wrote ${file}\n`,
    );
  }
  return check && stale.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`gen: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
