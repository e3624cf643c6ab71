/**
 * Runs the program under the shared mocks: with `Pulumi.dev.yaml`'s config through `index.ts`, or
 * with any raw config through `createStack`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import {
  MOCK_ORGANIZATION,
  MOCK_PROJECT,
  MOCK_STACK,
  promiseOf,
  resetRegistry,
  settle,
} from "./mocks";
import { PROJECT_DIR } from "./paths";
import { parseConfig, RawConfig, SecretKey } from "../../config";

export { PROJECT_DIR };

/** `Pulumi.<stack>.yaml`'s config as the raw strings Pulumi hands the program. */
export function stackFileConfig(stack: string): Record<string, string> {
  const file = YAML.parse(
    fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"),
  ) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(file.config).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/** Resolves every output of a stack's export object (arrays and nested outputs included). */
export async function resolveOutputs(
  outputs: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(outputs).map(async ([key, value]) => [
      key,
      pulumi.Output.isInstance(value) ? await promiseOf(value as pulumi.Output<unknown>) : value,
    ]),
  );
  return Object.fromEntries(entries);
}

export const STACK_CONTEXT = {
  organization: MOCK_ORGANIZATION,
  project: MOCK_PROJECT,
  stack: MOCK_STACK,
};

/**
 * Builds the stack for a raw config with `createStack`, waits for every registration, and
 * returns the outputs. The registry is reset first, so `registered` holds this build only.
 */
export async function buildStack(
  raw: RawConfig,
  secrets: Partial<Record<SecretKey, string>> = {},
): Promise<BuiltStack> {
  resetRegistry();
  const { createStack } = await import("../../stack");
  // Secrets reach the config check like any key, and count as set with --secret.
  const config = parseConfig(
    { ...raw, ...secrets },
    { ...STACK_CONTEXT, encryptedKeys: Object.keys(secrets).map((key) => `andyredis:${key}`) },
  );
  const outputs = createStack(config, {
    redisPassword: secrets.redisPassword ? pulumi.secret(secrets.redisPassword) : undefined,
    kubeconfig: secrets.kubeconfig ? pulumi.secret(secrets.kubeconfig) : undefined,
  }) as unknown as Record<string, unknown>;
  const values = await resolveOutputs(outputs);
  await settle();
  return { outputs, values };
}

export interface BuiltStack {
  /** The stack's exports as the program returns them (outputs, for secrecy checks). */
  readonly outputs: Record<string, unknown>;
  /** The same, resolved. */
  readonly values: Record<string, unknown>;
}
