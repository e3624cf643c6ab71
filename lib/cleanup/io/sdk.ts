/**
 * The AWS SDK modules, `require`d when called. The hook's code is serialized into the state
 * (../hookTypes.ts): a captured SDK module or client breaks that, a function that requires it does not.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the point of this module */

export function ec2Sdk(): typeof import("@aws-sdk/client-ec2") {
  return require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
}

export function elbv2Sdk(): typeof import("@aws-sdk/client-elastic-load-balancing-v2") {
  return require("@aws-sdk/client-elastic-load-balancing-v2") as typeof import("@aws-sdk/client-elastic-load-balancing-v2");
}

export function elbSdk(): typeof import("@aws-sdk/client-elastic-load-balancing") {
  return require("@aws-sdk/client-elastic-load-balancing") as typeof import("@aws-sdk/client-elastic-load-balancing");
}

export function efsSdk(): typeof import("@aws-sdk/client-efs") {
  return require("@aws-sdk/client-efs") as typeof import("@aws-sdk/client-efs");
}

export function taggingSdk(): typeof import("@aws-sdk/client-resource-groups-tagging-api") {
  return require("@aws-sdk/client-resource-groups-tagging-api") as typeof import("@aws-sdk/client-resource-groups-tagging-api");
}
