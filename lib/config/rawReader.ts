/**
 * Reads the raw config text key by key, as the table (`keys.ts`) says: the key's type, its
 * allowed values or range, its modes, and its default, which is applied here and nowhere else.
 * Every problem is recorded, none thrown: the parser reports them all at once.
 */
import type { DeploymentMode } from "./configTypes";
import type { Problem } from "./checks";
import {
  allowedText,
  ConfigKey,
  declaredDefault,
  declaredDefaultText,
  DefaultOf,
  defaultText,
  KeyOfType,
  NAMESPACE,
  rangeText,
  specOf,
} from "./keys";

/** Raw config: the text Pulumi holds for each key that is set (secrets in plain text). */
export type RawConfig = Partial<Record<ConfigKey, string>>;

export class RawReader {
  readonly problems: Problem[] = [];
  /** Keys whose value was refused: cross-key checks skip them. */
  private readonly refused = new Set<string>();

  constructor(
    private readonly raw: RawConfig,
    private readonly mode: DeploymentMode | undefined,
  ) {}

  problem(key: string, message: string): void {
    this.problems.push({ key, message });
  }

  /** Whether any problem names the key. */
  hasProblem(key: ConfigKey): boolean {
    return this.problems.some((p) => p.key === key);
  }

  /** Whether the key's value was read (or defaulted) without being refused. */
  valid(key: ConfigKey): boolean {
    return !this.refused.has(key);
  }

  /**
   * Whether the user set the key: a value other than "" and other than the default Pulumi.yaml
   * declares (which the engine hands over as if set).
   */
  isSet(key: ConfigKey): boolean {
    const value = this.raw[key] ?? "";
    return value !== "" && (declaredDefault(key) === "" || value !== declaredDefaultText(key));
  }

  /**
   * The key's raw text, or undefined when it is unset or does not apply to the stack's mode
   * (which the parser reports). An empty value where Pulumi.yaml declares a fixed default is
   * the user's own, and an error.
   */
  text(key: ConfigKey): string | undefined {
    const value = this.raw[key];
    const spec = specOf(key);
    if (this.mode !== undefined && !spec.modes.includes(this.mode)) return undefined;
    if (value === "" && declaredDefault(key) !== "") {
      this.problem(
        key,
        `is empty; use ${allowedText(key)}, or remove the key (pulumi config rm ${NAMESPACE}:${key}) for the default ${defaultText(key)}`,
      );
      return undefined;
    }
    return value === "" ? undefined : value;
  }

  private fail(key: ConfigKey, value: string, allowed = allowedText(key)): void {
    this.refused.add(key);
    this.problem(key, `"${value}" is not allowed; use ${allowed}`);
  }

  /** The table's default of a key (undefined for a key without one). */
  private fallback<K extends ConfigKey>(key: K): DefaultOf<K> {
    return specOf(key).default as DefaultOf<K>;
  }

  /**
   * A string, checked by `check` (a message) or a pattern (the table's allowed text); the
   * default when unset or refused.
   */
  string<K extends KeyOfType<"string">>(
    key: K,
    check?: RegExp | ((value: string) => string | undefined),
  ): string | DefaultOf<K> {
    const value = this.text(key);
    if (value === undefined) return this.fallback(key);
    if (check === undefined) return value;
    if (check instanceof RegExp) {
      if (check.test(value)) return value;
      this.fail(key, value);
      return this.fallback(key);
    }
    const message = check(value);
    if (message === undefined) return value;
    this.refused.add(key);
    this.problem(key, message);
    return this.fallback(key);
  }

  /** One of the table's `allowed` values; the default when unset or refused. */
  oneOf<T extends string>(key: KeyOfType<"string">): T {
    const value = this.text(key);
    const fallback = specOf(key).default as T;
    if (value === undefined) return fallback;
    if ((specOf(key).allowed ?? []).includes(value)) return value as T;
    this.fail(key, value);
    return fallback;
  }

  /**
   * An integer within the table's range (or any integer, for a range that depends on other
   * keys); the default when unset or refused (`valid` tells the two apart).
   */
  integer<K extends KeyOfType<"integer">>(key: K): number | DefaultOf<K> {
    const value = this.text(key);
    const spec = specOf(key);
    if (value === undefined) return this.fallback(key);
    const n = Number(value);
    if (
      !/^-?\d+$/.test(value.trim()) ||
      (spec.min !== undefined && n < spec.min) ||
      (spec.max !== undefined && n > spec.max)
    ) {
      this.fail(key, value, rangeText(key));
      return this.fallback(key);
    }
    return n;
  }

  /** `fallback`: for a key whose default depends on the stack (`defaultText`). */
  boolean(key: KeyOfType<"boolean">, fallback = specOf(key).default as boolean): boolean {
    const value = this.text(key);
    if (value === undefined) return fallback;
    if (value === "true" || value === "false") return value === "true";
    this.fail(key, value);
    return fallback;
  }

  private json(key: ConfigKey, shape: string): unknown {
    const value = this.text(key);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value);
    } catch {
      this.problem(key, `"${value}" is not ${shape}; set it in the stack file as YAML`);
      return undefined;
    }
  }

  /** A list of strings; the default when unset or refused. */
  stringList<K extends KeyOfType<"stringList">>(key: K): readonly string[] | DefaultOf<K> {
    const value = this.json(key, "a list");
    if (value === undefined) return this.fallback(key);
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      this.problem(key, `must be a list of strings: ${allowedText(key)}`);
      return this.fallback(key);
    }
    return value;
  }

  /** A map of strings; empty when unset or refused. */
  stringMap(key: KeyOfType<"stringMap">): Record<string, string> {
    const value = this.json(key, "a map");
    if (value === undefined) return {};
    if (
      typeof value !== "object" ||
      value === null ||
      Array.isArray(value) ||
      !Object.values(value).every((v) => typeof v === "string")
    ) {
      this.problem(key, "must be a map of string keys to string values");
      return {};
    }
    return value as Record<string, string>;
  }

  /** A map, or undefined when unset or refused (its fields are the caller's to read). */
  object(key: KeyOfType<"object">): Record<string, unknown> | undefined {
    const value = this.json(key, "a map");
    if (value === undefined) return undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.problem(key, `must be a map: ${allowedText(key)}`);
      return undefined;
    }
    return value as Record<string, unknown>;
  }
}

/**
 * `low <= high` for two integer keys (`low < high` when `strict`): the problem names the key
 * the user set (the other one when only that one is set), with the same words whichever side
 * is out of line. Skipped when either value was refused.
 */
export function orderProblem(
  reader: RawReader,
  lowKey: KeyOfType<"integer">,
  low: number,
  highKey: KeyOfType<"integer">,
  high: number,
  options: { strict?: boolean; why?: string } = {},
): void {
  const { strict = false, why } = options;
  if (!reader.valid(lowKey) || !reader.valid(highKey)) return;
  if (strict ? low < high : low <= high) return;
  const reason = why === undefined ? "" : `: ${why}`;
  if (reader.isSet(highKey) && !reader.isSet(lowKey)) {
    reader.problem(
      highKey,
      `${high} is not allowed; use ${strict ? "more than" : "at least"} ${lowKey} (${low})${reason}`,
    );
  } else {
    reader.problem(
      lowKey,
      `${low} is not allowed; use ${strict ? "less than" : "at most"} ${highKey} (${high})${reason}`,
    );
  }
}
