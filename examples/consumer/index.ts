/**
 * Example consumer program: `pulumi up` in this directory deploys a Sentinel-aware client of an
 * andyredis stack into that stack's cluster. See docs/automation.md ("The consumer example").
 */
import * as pulumi from "@pulumi/pulumi";

import { deployConsumer } from "./app";

const config = new pulumi.Config();
const consumer = deployConsumer(config.require("redisStack"), {
  // Declared with an empty default in Pulumi.yaml: empty means "the Redis namespace".
  namespace: config.get("namespace") || undefined,
  replicas: config.getNumber("replicas"),
});

export const namespace = consumer.namespace;
export const deploymentName = consumer.deploymentName;
export const sentinelEndpoint = consumer.sentinelEndpoint;
export const passwordSecretName = consumer.passwordSecretName;
