/**
 * The real AWS clients of the destroy hook and the audit, built from the SDK (`sdk.ts`, required
 * when called: the hook's code is serialized into the state). Everything else in lib/cleanup is
 * handed its clients, so tests hand it moto's or aws-sdk-client-mock's.
 */
import type { Ec2VolumeApi } from "../volumes";
import type { AuditClients } from "../leftovers";
import { AWS_RETRY_POLICY } from "../retry";
import type { Ec2NetworkApi, ElbApi, Elbv2Api } from "../targets/kubernetesOwned";
import { ec2Sdk, efsSdk, elbSdk, elbv2Sdk, taggingSdk } from "./sdk";

export interface CleanupClients {
  readonly ec2: Ec2VolumeApi & Ec2NetworkApi;
  readonly elbv2: Elbv2Api;
  readonly elb: ElbApi;
}

/**
 * The settings of every AWS client the hook and the audit build: the region and the one retry
 * policy (`AWS_RETRY_POLICY`). Endpoint and credentials come from the usual AWS env/config
 * (`AWS_ENDPOINT_URL` points them at moto in the tests); `overrides` are for tests.
 */
export function awsClientConfig(
  region: string,
  overrides: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  return { region, ...AWS_RETRY_POLICY, ...overrides };
}

/** The AWS clients for a region (see `awsClientConfig`). */
export function createAwsClients(
  region: string,
  overrides: Readonly<Record<string, unknown>> = {},
): CleanupClients {
  const { EC2 } = ec2Sdk();
  const { ElasticLoadBalancingV2 } = elbv2Sdk();
  const { ElasticLoadBalancing } = elbSdk();
  const common = awsClientConfig(region, overrides);
  return {
    ec2: new EC2(common),
    elbv2: new ElasticLoadBalancingV2(common),
    elb: new ElasticLoadBalancing(common),
  };
}

/**
 * The real clients for a region (endpoint and credentials from the usual AWS env/config): the
 * hook's EC2 and load balancer clients, plus the tagging API and EFS that only the audit reads.
 */
export function createAuditClients(region: string): AuditClients {
  const { EFS } = efsSdk();
  const { ResourceGroupsTaggingAPI } = taggingSdk();
  const { ec2, elbv2, elb } = createAwsClients(region);
  const common = awsClientConfig(region);
  return { tagging: new ResourceGroupsTaggingAPI(common), ec2, elbv2, elb, efs: new EFS(common) };
}
