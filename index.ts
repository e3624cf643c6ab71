/**
 * andyredis: highly available Redis with Sentinel on Amazon EKS.
 * Config → components → outputs; see README.md for the keys and the outputs.
 */
import { loadConfig } from "./config";
import { createStack } from "./stack";

const { config, secrets } = loadConfig();
export = createStack(config, secrets);
