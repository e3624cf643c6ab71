/**
 * The config table (`keys.ts`) rendered as what Pulumi.yaml declares and what the README lists.
 * tests/fast/docs.test.ts compares both files with these and prints what to paste on a mismatch.
 */
import {
  ALL_KEYS,
  allowedText,
  ConfigKey,
  declaredDefault,
  DefaultValue,
  defaultText,
  modesText,
  Section,
  SECTIONS,
  specOf,
} from "./keys";

/** One key's declaration under `config:` in Pulumi.yaml. */
export interface Declaration {
  readonly default: DefaultValue;
  readonly secret?: true;
  readonly description: string;
}

/**
 * The `config:` block of Pulumi.yaml. No key has a `type`: the engine checks typed keys one
 * error at a time before the program runs, which would hide the program's complete list (and
 * a typed secret fed by its default fails as "not encrypted"). Every key has a default, since
 * the engine requires every declared key without one.
 */
export function pulumiYamlConfig(namespace: string): Record<string, Declaration> {
  const config: Record<string, Declaration> = {};
  for (const key of ALL_KEYS) {
    const spec = specOf(key);
    const modes = spec.modes.length === 1 ? ` Only in ${spec.modes[0]} mode.` : "";
    config[`${namespace}:${key}`] = {
      default: declaredDefault(key),
      ...(spec.secret ? { secret: true as const } : {}),
      description: `${spec.description} Allowed: ${allowedText(key)}. Default: ${defaultText(key)}.${modes}`,
    };
  }
  return config;
}

/** A README table row: key, default, allowed, modes, meaning. */
export type ReadmeRow = readonly [string, string, string, string, string];

export const README_HEADER: ReadmeRow = ["Key", "Default", "Allowed", "Modes", "Meaning"];

/** Backquotes for a cell, escaping the table's pipe. */
function code(text: string): string {
  return `\`${text.replace(/\|/g, "\\|")}\``;
}

/** The README rows of one section, in table order. */
export function readmeRows(section: Section): ReadmeRow[] {
  return ALL_KEYS.filter((key) => specOf(key).section === section).map((key: ConfigKey) => {
    const spec = specOf(key);
    return [
      `${code(key)}${spec.secret ? " (secret)" : ""}`,
      spec.default === undefined && spec.defaultText === undefined
        ? "none"
        : code(defaultText(key)),
      allowedText(key).replace(/\|/g, "\\|"),
      modesText(spec.modes),
      spec.description.replace(/\|/g, "\\|"),
    ];
  });
}

/** Every section's table as markdown (unpadded; Prettier pads it). */
export function readmeTables(): string {
  const line = (row: ReadmeRow): string => `| ${row.join(" | ")} |`;
  return SECTIONS.map((section) =>
    [
      `### ${section}`,
      "",
      line(README_HEADER),
      line(README_HEADER.map(() => "---") as unknown as ReadmeRow),
      ...readmeRows(section).map(line),
    ].join("\n"),
  ).join("\n\n");
}
