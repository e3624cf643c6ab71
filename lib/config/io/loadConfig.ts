/**
 * The I/O edge of the config: reads what the engine hands the program (every value as text,
 * which keys it holds encrypted, the stack it runs for), parses it with `parseConfig` against
 * the local files, and wraps the secrets as secret outputs. The only module that reads config
 * from Pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../configTypes";
import { ALL_KEYS, AWS_REGION_KEY, configKey, NAMESPACE, SECRET_KEYS } from "../keys";
import { parseConfig, RawConfig } from "../parse";
import { localFiles } from "./localFiles";

export type SecretKey = (typeof SECRET_KEYS)[number];

/**
 * The secrets the program needs, as Pulumi secret outputs: every key the table marks secret
 * (`redisPassword`, `redisPasswordPrevious`, `kubeconfig`, `redisImagePullSecret`,
 * `redisTlsPrivateKey`), when set.
 */
export type StackSecrets = Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;

/** Which config keys the engine handed over encrypted (the SDK keeps this internal). */
function runtimeSecretCheck(): ((key: string) => boolean) | undefined {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret;
}

/** What the engine hands the program: every config value as text, and the stack it runs for. */
export interface EngineConfig {
  /** Every config value by its full key (`andyredis:<key>`, `aws:region`), as text. */
  readonly values: Readonly<Record<string, string>>;
  /** Whether the engine handed a key over encrypted; undefined when the SDK cannot tell. */
  readonly isSecret?: (key: string) => boolean;
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
}

/**
 * `loadConfig` without the Pulumi runtime: validates the config the engine hands the program and
 * returns it with the raw values (the secrets' text included). Throws a `ConfigError`.
 */
export function readEngineConfig(engine: EngineConfig): { config: StackConfig; raw: RawConfig } {
  const raw: RawConfig = {};
  for (const key of ALL_KEYS) {
    const value = engine.values[configKey(key)];
    if (value !== undefined) raw[key] = value;
  }
  const prefix = `${NAMESPACE}:`;
  const namespaced = Object.keys(engine.values).filter((k) => k.startsWith(prefix));
  const isSecret = engine.isSecret;
  const config = parseConfig(raw, {
    organization: engine.organization,
    project: engine.project,
    stack: engine.stack,
    awsRegion: engine.values[AWS_REGION_KEY],
    encryptedKeys: isSecret === undefined ? undefined : namespaced.filter((key) => isSecret(key)),
    keysSet: namespaced.map((k) => k.slice(prefix.length)),
    files: localFiles(),
  });
  return { config, raw };
}

/**
 * Reads the stack's config from Pulumi, validates all of it (the secrets' values included)
 * before any resource exists, and returns it with the secrets as secret outputs.
 */
export function loadConfig(): { config: StackConfig; secrets: StackSecrets } {
  const { config, raw } = readEngineConfig({
    values: pulumi.runtime.allConfig(),
    isSecret: runtimeSecretCheck(),
    organization: pulumi.getOrganization(),
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
  });
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  for (const key of SECRET_KEYS) {
    if (raw[key]) secrets[key] = pulumi.secret(raw[key]);
  }
  return { config, secrets };
}
