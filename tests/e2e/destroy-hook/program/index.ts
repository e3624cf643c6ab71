/**
 * The e2e program of the destroy hook: the `VolumeCleanup` component with the stack identity it
 * is scoped by (a random id kept in the state), as the stack builds them, with its settings
 * from the stack config (set by tests/e2e/destroy-hook.test.ts). The test
 * runs a copy of this file and of the sources it imports, so that it can change the hook's code
 * between two `pulumi up`s.
 */
import * as pulumi from "@pulumi/pulumi";

import { StackIdentity } from "../../../../components/stackIdentity";
import { VolumeCleanup } from "../../../../components/volumeCleanup";
import type { VolumeCleanupMode } from "../../../../lib/config/configTypes";

const config = new pulumi.Config("hooke2e");
const identity = new StackIdentity("stack-identity", { stackName: config.require("stackName") });
const cleanup = new VolumeCleanup("volume-cleanup", {
  region: config.require("region"),
  kubeconfig: config.requireSecret("kubeconfig"),
  stackTag: identity.stackTag,
  vpcId: config.require("vpcId"),
  clusterName: config.require("clusterName"),
  namespace: config.require("namespace"),
  releaseName: config.require("releaseName"),
  mode: config.require("mode") as VolumeCleanupMode,
  timeoutSeconds: config.requireNumber("timeoutSeconds"),
});

export const hookId = cleanup.hook.id;
export const stackTag = identity.stackTag;
export const mode = cleanup.mode;
