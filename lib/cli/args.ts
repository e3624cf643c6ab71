/**
 * The one flag parser of every command line, on `node:util` `parseArgs`. Not strict: its tokens
 * let every unknown flag, missing value and repeated flag be collected and reported at once
 * (strict mode stops at the first). `--help`/`-h` is declared for every command and wins over
 * any problem, so that help always exits 0.
 */
import { parseArgs } from "node:util";

import { UsageError } from "./errors";

export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** May be given more than once; otherwise a repeat is a problem. */
  readonly multiple?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type FlagsOfType<S extends FlagSpecs, T extends FlagSpec["type"]> = {
  [K in keyof S]: S[K]["type"] extends T ? K : never;
}[keyof S] &
  string;

export interface ParseOptions {
  /** Positional arguments allowed (a command name); otherwise each is a problem. */
  readonly positionals?: boolean;
}

/** The parsed flags; problems found later (bad values) are added with `problem` and thrown by `finish`. */
export class ParsedFlags<S extends FlagSpecs> {
  private readonly problems: string[] = [];

  constructor(
    private readonly strings: ReadonlyMap<string, readonly string[]>,
    private readonly booleans: ReadonlySet<string>,
    readonly positionals: readonly string[],
    /** `--help` or `-h` was given. */
    readonly help: boolean,
    problems: readonly string[],
  ) {
    this.problems.push(...problems);
  }

  /** The value of a single-valued string flag. */
  value(name: FlagsOfType<S, "string">): string | undefined {
    const all = this.strings.get(name);
    return all?.[all.length - 1];
  }

  /** Every value of a repeatable string flag, in command-line order. */
  values(name: FlagsOfType<S, "string">): readonly string[] {
    return this.strings.get(name) ?? [];
  }

  /** Every value of a repeatable string flag, each split at commas (`a,b --x c` is a, b, c). */
  list(name: FlagsOfType<S, "string">): readonly string[] | undefined {
    const all = this.strings.get(name);
    return all
      ?.flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter((v) => v !== "");
  }

  has(name: FlagsOfType<S, "boolean">): boolean {
    return this.booleans.has(name);
  }

  /** An integer flag within [min, max]; a bad value is a problem naming the flag and the range. */
  integer(
    name: FlagsOfType<S, "string">,
    min: number,
    max: number = Number.MAX_SAFE_INTEGER,
  ): number | undefined {
    const text = this.value(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
      const range =
        max === Number.MAX_SAFE_INTEGER
          ? `an integer of at least ${min}`
          : `an integer from ${min} to ${max}`;
      this.problem(`--${name}: "${text}" is not allowed; use ${range}`);
      return undefined;
    }
    return value;
  }

  /** A value checked against a list: a bad one is a problem naming the allowed values. */
  oneOf<T extends string>(
    name: FlagsOfType<S, "string">,
    allowed: readonly T[],
  ): readonly T[] | undefined {
    const given = this.list(name);
    if (given === undefined) return undefined;
    const unknown = given.filter((v) => !(allowed as readonly string[]).includes(v));
    if (unknown.length > 0) {
      this.problem(`--${name}: unknown ${unknown.join(", ")}; use one of ${allowed.join(", ")}`);
    }
    return given.filter((v): v is T => (allowed as readonly string[]).includes(v));
  }

  /** The problems found so far, one line each. */
  problemList(): readonly string[] {
    return [...this.problems];
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** Throws one UsageError listing every problem, if there is any. */
  finish(): void {
    if (this.problems.length > 0) throw new UsageError(this.problems.join("\n"));
  }
}

const HELP_FLAG: FlagSpec = { type: "boolean", short: "h" };

/** Parses argv (without node and script) against the flags; never throws (see `finish`). */
export function parseFlags<S extends FlagSpecs>(
  argv: readonly string[],
  specs: S,
  options: ParseOptions = {},
): ParsedFlags<S> {
  const all: FlagSpecs = { ...specs, help: HELP_FLAG };
  const { tokens } = parseArgs({
    args: [...argv],
    options: all,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const problems: string[] = [];
  const strings = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (options.positionals === true) positionals.push(token.value);
      else problems.push(`${token.value}: unexpected argument (flags only)`);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = Object.prototype.hasOwnProperty.call(all, token.name)
      ? all[token.name]
      : undefined;
    const flag = token.rawName;
    if (spec === undefined) {
      problems.push(`${flag}: unknown flag; use --help to list the flags`);
    } else if (spec.type === "string") {
      // Non-strict parseArgs takes the next argument even when it is a flag: `--outputs --json`.
      const swallowedFlag =
        token.inlineValue !== true && token.value !== undefined && /^-./.test(token.value);
      if (token.value === undefined || token.value === "" || swallowedFlag) {
        problems.push(`${flag}: needs a value`);
      } else {
        const values = strings.get(token.name) ?? [];
        if (values.length === 1 && spec.multiple !== true) {
          problems.push(`--${token.name}: given more than once; give it once`);
        }
        values.push(token.value);
        strings.set(token.name, values);
      }
    } else if (token.value !== undefined) {
      problems.push(`${flag}: takes no value`);
    } else {
      booleans.add(token.name);
    }
  }
  return new ParsedFlags<S>(strings, booleans, positionals, booleans.has("help"), problems);
}
