/** The "Cluster and load balancer" keys: the EKS cluster, its nodes, API access, logs, the ALB. */
import {
  CLUSTER_LOG_TYPES,
  ClusterConfig,
  ClusterLogType,
  LOG_RETENTION_DAYS,
  LoadBalancerConfig,
  SecretsEncryption,
} from "./configTypes";
import {
  apiAccessProblems,
  cidrListProblems,
  kmsKeyArnProblem,
  kubernetesVersionProblem,
} from "./checks";
import { allowedText } from "./keys";
import { orderProblem, RawReader } from "./rawReader";

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)\/[\w+=,.@/-]+$/;

export function parseCluster(
  reader: RawReader,
  env: { readonly aws: boolean; readonly region: string; readonly stack: string },
): { cluster: ClusterConfig; loadBalancer: LoadBalancerConfig } {
  const { aws, region } = env;
  const clusterNameSet = reader.string("clusterName", CLUSTER_NAME);
  const clusterName = clusterNameSet ?? `andyredis-${env.stack}`.slice(0, 100);
  if (aws && !reader.isSet("clusterName") && !CLUSTER_NAME.test(clusterName)) {
    reader.problem(
      "clusterName",
      `is not set, and the default "${clusterName}" (from the stack name) is not a valid EKS name; use ${allowedText("clusterName")}`,
    );
  }
  const kubernetesVersion = reader.string("kubernetesVersion", kubernetesVersionProblem);
  const nodeInstanceType = reader.string("nodeInstanceType", INSTANCE_TYPE);
  const nodeMinSize = reader.integer("nodeMinSize");
  const nodeDesiredSize = reader.integer("nodeDesiredSize");
  const nodeMaxSize = reader.integer("nodeMaxSize");
  orderProblem(reader, "nodeMinSize", nodeMinSize, "nodeDesiredSize", nodeDesiredSize);
  orderProblem(reader, "nodeDesiredSize", nodeDesiredSize, "nodeMaxSize", nodeMaxSize);
  const nodeDiskSizeGiB = reader.integer("nodeDiskSizeGiB");
  const adminPrincipalArns = reader.stringList("clusterAdmins");
  adminPrincipalArns.forEach((arn, i) => {
    if (!PRINCIPAL_ARN.test(arn)) {
      reader.problem(
        `clusterAdmins[${i}]`,
        `"${arn}" is not allowed; use an IAM role or user ARN such as "arn:aws:iam::123456789012:role/admin"`,
      );
    }
  });
  const apiEndpointPublic = reader.boolean("apiEndpointPublic");
  const apiPublicAccessAllowAnywhere = reader.boolean("apiPublicAccessAllowAnywhere");
  const problemsBefore = reader.problems.length;
  // No default: unset (undefined) is told apart from an empty list.
  const apiCidrsSet = reader.isSet("apiPublicAccessCidrs")
    ? (reader.stringList("apiPublicAccessCidrs") ?? [])
    : undefined;
  const apiCidrsReadable = reader.problems.length === problemsBefore;
  const albIngressCidrs = reader.stringList("albIngressCidrs");
  if (aws) {
    const apiProblems = apiCidrsReadable
      ? apiAccessProblems(apiEndpointPublic, apiCidrsSet, apiPublicAccessAllowAnywhere)
      : [];
    for (const problem of [...apiProblems, ...cidrListProblems("albIngressCidrs", albIngressCidrs)])
      reader.problem(problem.key, problem.message);
  }
  const apiPublicAccessCidrs = apiEndpointPublic ? (apiCidrsSet ?? []) : [];
  const logTypes: readonly string[] = reader.stringList("clusterLogTypes");
  logTypes.forEach((type, i) => {
    if (!(CLUSTER_LOG_TYPES as readonly string[]).includes(type) || logTypes.indexOf(type) !== i) {
      reader.problem(
        `clusterLogTypes[${i}]`,
        `"${type}" is not allowed${logTypes.indexOf(type) !== i ? " twice" : ""}; use ${allowedText("clusterLogTypes")}`,
      );
    }
  });
  if (logTypes.length === 0) {
    reader.problem(
      "clusterLogTypes",
      `must list at least one log type (control-plane logging cannot be turned off); use ${allowedText("clusterLogTypes")}`,
    );
  }
  const logRetentionDays = reader.integer("clusterLogRetentionDays");
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    reader.problem(
      "clusterLogRetentionDays",
      `"${logRetentionDays}" is not allowed; use ${allowedText("clusterLogRetentionDays")}`,
    );
  }
  const keyChoice = reader.string("secretsEncryptionKey");
  let secretsEncryption: SecretsEncryption = { kind: "none" };
  if (keyChoice === "create") {
    secretsEncryption = { kind: "create" };
  } else if (keyChoice !== "none") {
    const problem = aws ? kmsKeyArnProblem(keyChoice, region) : undefined;
    if (problem !== undefined) reader.problem("secretsEncryptionKey", problem);
    else secretsEncryption = { kind: "keyArn", keyArn: keyChoice };
  }
  const domainName = reader.string("domainName", DOMAIN);
  const targetPort = reader.integer("albTargetPort");
  return {
    cluster: {
      name: clusterName,
      kubernetesVersion,
      nodeInstanceType,
      nodeMinSize,
      nodeDesiredSize,
      nodeMaxSize,
      nodeDiskSizeGiB,
      adminPrincipalArns,
      apiEndpointPublic,
      apiPublicAccessCidrs,
      logTypes: logTypes as readonly ClusterLogType[],
      logRetentionDays,
      secretsEncryption,
    },
    loadBalancer: { domainName, targetPort, ingressCidrs: albIngressCidrs },
  };
}
