/**
 * andyredis: highly available Redis with Sentinel on Amazon EKS.
 * Config → components → outputs; see README.md for the keys and the outputs. `loadConfig` checks
 * the whole config first and throws one ConfigError (a RunError: printed once, without a stack
 * trace) listing every problem, before any resource is registered. The export is the promise of
 * the stack's outputs, which the engine awaits (`createStack` loads the AWS SDKs in aws mode only).
 */
import { loadConfig } from "./lib/config/io/loadConfig";
import { createStack } from "./stack";

const { config, secrets } = loadConfig();
export = createStack(config, secrets);
