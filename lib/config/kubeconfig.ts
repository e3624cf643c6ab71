/**
 * The check of `andyredis:kubeconfig` (clusterOnly mode): kubeconfig content (YAML or JSON), or
 * the path of an existing kubeconfig file, as the Kubernetes provider accepts. Messages never
 * hold the kubeconfig's content: it is a secret.
 */
import * as YAML from "yaml";
import type { ConfigFiles } from "./configFiles";

export interface KubeconfigCheck {
  /** What is wrong with it, or undefined. */
  readonly problem?: string;
  /** Its context names, when it could be read. */
  readonly contexts?: readonly string[];
  readonly currentContext?: string;
}

interface KubeconfigShape {
  kind?: unknown;
  apiVersion?: unknown;
  clusters?: unknown;
  contexts?: unknown;
  "current-context"?: unknown;
}

function asKubeconfig(text: string): KubeconfigShape | undefined {
  try {
    const parsed: unknown = YAML.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const shape = parsed as KubeconfigShape;
    const looksLikeOne = shape.kind === "Config" || Array.isArray(shape.clusters);
    return looksLikeOne ? shape : undefined;
  } catch {
    return undefined;
  }
}

function describe(shape: KubeconfigShape): KubeconfigCheck {
  const contexts = Array.isArray(shape.contexts)
    ? shape.contexts
        .map((c: unknown) =>
          typeof c === "object" && c !== null ? (c as { name?: unknown }).name : undefined,
        )
        .filter((name): name is string => typeof name === "string")
    : [];
  const current = shape["current-context"];
  return { contexts, currentContext: typeof current === "string" ? current : undefined };
}

/** Checks kubeconfig content or a path (resolved by `files`: `~/`, relative to the project). */
export function checkKubeconfig(value: string, files: ConfigFiles): KubeconfigCheck {
  const content = asKubeconfig(value);
  if (content) return describe(content);
  const looksLikePath = !value.includes("\n") && value.trim() === value && value.length < 4096;
  if (!looksLikePath) {
    return {
      problem:
        "is neither kubeconfig YAML/JSON (kind: Config, with clusters) nor the path of a kubeconfig file",
    };
  }
  let text: string;
  try {
    text = files.readText(files.resolve(value));
  } catch {
    return {
      problem: "is neither kubeconfig YAML/JSON nor the path of an existing file",
    };
  }
  const fromFile = asKubeconfig(text);
  return fromFile
    ? describe(fromFile)
    : { problem: "names a file that is not a kubeconfig (kind: Config, with clusters)" };
}
