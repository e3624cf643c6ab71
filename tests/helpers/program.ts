/**
 * Runs the program under the shared mocks: through `index.ts` with a runtime config, as the
 * engine runs it, or with any raw config through `createStack`. Every run waits for the last
 * registration (`settle`) and keeps what it registered, so that tests can share one build.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import {
  holdType,
  MOCK_ORGANIZATION,
  MOCK_PROJECT,
  MOCK_STACK,
  promiseOf,
  registered,
  resetRegistry,
  settle,
} from "./mocks";
import { PROJECT_DIR } from "./paths";
import { collectingWarnings, Registrations, withoutStackTraces } from "./indexRun";
import { localFiles } from "../../lib/config/io/localFiles";
import type { SecretKey } from "../../lib/config/io/loadConfig";
import { parseConfig, RawConfig, StackContext } from "../../lib/config/parse";
import { createStack } from "../../stack";
// The program loads the aws mode's composition on its first aws-mode run; a test process loads
// it here, with the test files, so that no test's time limit pays for loading @pulumi/aws.
import "../../foundation";

export { PROJECT_DIR };
export { ProgramRun, Registrations, runIndex } from "./indexRun";

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

/**
 * The timeout of a suite that builds the program: the first build in a process loads what the
 * Pulumi runtime loads lazily (about 2 s on two busy cores, 7 s measured alone while another
 * job compiled Kubernetes, over 10 s in `npm test`'s 4 parallel jobs then); later builds take
 * 0.1-0.3 s.
 */
export const BUILD_TIMEOUT_MS = 20000;

/**
 * The API allow-list every aws-mode build gets unless it sets its own: the key has no default
 * (config refuses an aws stack without it), and TEST-NET-3 stands for "the user's office".
 */
export const TEST_API_CIDRS = ["203.0.113.0/24"];

/** `raw` with `apiPublicAccessCidrs` added where an aws-mode stack needs it and has none. */
export function withApiAccess(raw: RawConfig): RawConfig {
  const needs =
    raw.mode !== "clusterOnly" &&
    raw.apiEndpointPublic !== "false" &&
    !("apiPublicAccessCidrs" in raw);
  return needs ? { ...raw, apiPublicAccessCidrs: JSON.stringify(TEST_API_CIDRS) } : raw;
}

/** The mocks' stack, with the local files (from the working directory) as the engine's run has. */
export const STACK_CONTEXT: StackContext = {
  organization: MOCK_ORGANIZATION,
  project: MOCK_PROJECT,
  stack: MOCK_STACK,
  files: localFiles(),
};

export interface BuiltStack {
  /** The stack's exports as the program returns them (outputs, for secrecy checks). */
  readonly outputs: Record<string, unknown>;
  /** The same, resolved. */
  readonly values: Record<string, unknown>;
  /** Every resource the build registered. */
  readonly resources: Registrations;
  /** What the program passed to `pulumi.log.warn`, in order (kept out of the test output). */
  readonly warnings: readonly string[];
}

const builds = new Map<string, Promise<BuiltStack>>();

/**
 * Builds the stack for a raw config with `createStack`, waits for every registration, and
 * returns the outputs and the registrations. A build is made once per config and shared: tests
 * only read it.
 */
export function buildStack(
  raw: RawConfig,
  secrets: Partial<Record<SecretKey, string>> = {},
): Promise<BuiltStack> {
  const key = JSON.stringify([raw, secrets]);
  let build = builds.get(key);
  if (!build) {
    build = withoutStackTraces(() => newBuild(raw, secrets));
    builds.set(key, build);
  }
  return build;
}

async function newBuild(
  raw: RawConfig,
  secrets: Partial<Record<SecretKey, string>>,
): Promise<BuiltStack> {
  resetRegistry();
  // Secrets reach the config check like any key, and count as set with --secret.
  const config = parseConfig(withApiAccess({ ...raw, ...secrets }), {
    ...STACK_CONTEXT,
    encryptedKeys: Object.keys(secrets).map((key) => `andyredis:${key}`),
  });
  const [outputs, warnings] = await collectingWarnings(async () => {
    const exported = (await createStack(
      config,
      Object.fromEntries(
        Object.entries(secrets).map(([key, value]) => [key, pulumi.secret(value)]),
      ),
    )) as unknown as Record<string, unknown>;
    await settle();
    return exported;
  });
  const values = await resolveOutputs(outputs);
  await settle();
  return { outputs, values, resources: new Registrations([...registered]), warnings };
}

const heldBuilds = new Map<string, Promise<Registrations>>();

/**
 * Builds the stack for the default config with every resource of `type` held in creation, and
 * returns what was registered by the time nothing else could be; then lets the build finish.
 * Made once per type and shared.
 */
export function registeredWhileHeld(type: string): Promise<Registrations> {
  let build = heldBuilds.get(type);
  if (!build) {
    build = withoutStackTraces(() => newHeldBuild(type));
    heldBuilds.set(type, build);
  }
  return build;
}

async function newHeldBuild(type: string): Promise<Registrations> {
  resetRegistry();
  const release = holdType(type);
  try {
    await collectingWarnings(async () => {
      await createStack(parseConfig(withApiAccess({}), STACK_CONTEXT), {});
      await settle();
    });
    return new Registrations([...registered]);
  } finally {
    release();
    await settle();
  }
}
