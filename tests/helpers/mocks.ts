/**
 * The one place that calls `pulumi.runtime.setMocks` (with several, the last file loaded would win
 * for all of them). Records every registered resource, answers invokes with realistic values, and
 * can hold back the creation of a resource type ("gates") so that tests can show what does and
 * does not wait for it.
 */
import * as pulumi from "@pulumi/pulumi";

import { isSecretEnvelope } from "./pulumiMarkers";

export const MOCK_ORGANIZATION = "acme";
export const MOCK_PROJECT = "andyredis";
export const MOCK_STACK = "dev";
export const ACCOUNT_ID = "123456789012";
export const ZONES = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"];
export const CLUSTER_SECURITY_GROUP_ID = "sg-0c1u5t3r5ec0000001";
export const NODE_ASG_NAME = "eks-cluster-nodes-0123abcd-asg";

export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** Provider reference `urn::id`, when one was passed or inherited. */
  readonly provider?: string;
  readonly id: string;
  readonly state: Record<string, unknown>;
}

/** Every resource registered since the last `resetRegistry`. */
export const registered: RegisteredResource[] = [];
const gates = new Map<string, Promise<void>>();
let sequence = 0;

export function resetRegistry(): void {
  registered.length = 0;
}

/** Holds the creation of every resource of `type` until the returned function is called. */
export function holdType(type: string): () => void {
  let release: () => void = () => undefined;
  gates.set(
    type,
    new Promise<void>((resolve) => {
      release = resolve;
    }),
  );
  return () => {
    gates.delete(type);
    release();
  };
}

export function ofType(type: string): RegisteredResource[] {
  return registered.filter((r) => r.type === type);
}

export function named(type: string, name: string): RegisteredResource {
  const found = registered.find((r) => r.type === type && r.name === name);
  if (!found) {
    const names = ofType(type).map((r) => r.name);
    throw new Error(`no ${type} named ${name} (have: ${names.join(", ") || "none"})`);
  }
  return found;
}

/** Counts registered resources by type. */
export function countsByType(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of registered) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

function shortId(prefix: string): string {
  sequence += 1;
  return `${prefix}-0${sequence.toString(16).padStart(16, "0")}`;
}

/** The CA certificate the mocked chart TLS Secret holds. */
export const MOCK_CA_CERTIFICATE =
  "-----BEGIN CERTIFICATE-----\nMOCKCA\n-----END CERTIFICATE-----\n";

/** Realistic IDs and the outputs the program reads, per resource type. */
function mockState(args: pulumi.runtime.MockResourceArgs): {
  id: string;
  state: Record<string, unknown>;
} {
  const inputs = args.inputs as Record<string, unknown>;
  const arn = (service: string, resource: string): string =>
    `arn:aws:${service}:ap-northeast-2:${ACCOUNT_ID}:${resource}`;
  switch (args.type) {
    case "aws:ec2/vpc:Vpc": {
      const id = shortId("vpc");
      return { id, state: { ...inputs, arn: arn("ec2", `vpc/${id}`) } };
    }
    case "aws:ec2/subnet:Subnet": {
      const id = shortId("subnet");
      return { id, state: { ...inputs, arn: arn("ec2", `subnet/${id}`) } };
    }
    case "aws:ec2/eip:Eip":
      return {
        id: shortId("eipalloc"),
        state: { ...inputs, publicIp: `203.0.113.${sequence % 250}` },
      };
    case "aws:ec2/natGateway:NatGateway":
      return { id: shortId("nat"), state: inputs };
    case "aws:ec2/internetGateway:InternetGateway":
      return { id: shortId("igw"), state: inputs };
    case "aws:ec2/routeTable:RouteTable":
      return { id: shortId("rtb"), state: inputs };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: shortId("sg"), state: inputs };
    case "aws:iam/role:Role":
      return {
        id: `${args.name}-role`,
        state: {
          ...inputs,
          name: `${args.name}-role`,
          arn: `arn:aws:iam::${ACCOUNT_ID}:role/${args.name}-role`,
        },
      };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        id: arn("elasticloadbalancing", `loadbalancer/app/${args.name}/50dc6c495c0c9188`),
        state: {
          ...inputs,
          arn: arn("elasticloadbalancing", `loadbalancer/app/${args.name}/50dc6c495c0c9188`),
          dnsName: `${args.name}-1234567890.ap-northeast-2.elb.amazonaws.com`,
          zoneId: "ZWKZPGTI48KDX",
        },
      };
    case "aws:lb/targetGroup:TargetGroup":
      return {
        id: arn("elasticloadbalancing", `targetgroup/${args.name}/73e2d6bc24d8a067`),
        state: {
          ...inputs,
          arn: arn("elasticloadbalancing", `targetgroup/${args.name}/73e2d6bc24d8a067`),
        },
      };
    case "aws:acm/certificate:Certificate":
      return {
        id: arn("acm", "certificate/0c0ffee0-0000-4000-8000-000000000001"),
        state: {
          ...inputs,
          arn: arn("acm", "certificate/0c0ffee0-0000-4000-8000-000000000001"),
          domainValidationOptions: [
            {
              domainName: inputs.domainName,
              resourceRecordName: `_x1.${String(inputs.domainName).replace("*.", "")}.`,
              resourceRecordType: "CNAME",
              resourceRecordValue: "_x2.acm-validations.aws.",
            },
          ],
        },
      };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { id: String(inputs.certificateArn), state: inputs };
    case "aws:route53/record:Record":
      return { id: shortId("record"), state: { ...inputs, fqdn: inputs.name } };
    case "aws:efs/fileSystem:FileSystem":
      return {
        id: shortId("fs"),
        state: { ...inputs, arn: arn("elasticfilesystem", "file-system/fs") },
      };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { id: shortId("lt"), state: { ...inputs, latestVersion: 1 } };
    case "aws:kms/key:Key": {
      const id = "0c0ffee0-1111-4222-8333-000000000019";
      return { id, state: { ...inputs, keyId: id, arn: arn("kms", `key/${id}`) } };
    }
    case "aws:efs/mountTarget:MountTarget":
      return { id: shortId("fsmt"), state: inputs };
    case "eks:index:Cluster": {
      const name = String(inputs.name);
      const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          { name, cluster: { server: "https://ABCDEF.gr7.ap-northeast-2.eks.amazonaws.com" } },
        ],
        users: [{ name: "aws", user: { token: "mock-token-do-not-log" } }],
      };
      return {
        id: `${args.name}-id`,
        state: {
          ...inputs,
          kubeconfig,
          kubeconfigJson: JSON.stringify(kubeconfig),
          eksCluster: {
            name,
            arn: arn("eks", `cluster/${name}`),
            vpcConfig: { clusterSecurityGroupId: CLUSTER_SECURITY_GROUP_ID },
          },
        },
      };
    }
    case "eks:index:ManagedNodeGroup":
      return {
        id: `${args.name}-id`,
        state: {
          ...inputs,
          nodeGroup: { resources: [{ autoscalingGroups: [{ name: NODE_ASG_NAME }] }] },
        },
      };
    case "kubernetes:helm.sh/v3:Release":
      // The release's status names it, as the provider reports once it is installed.
      return {
        id: shortId(args.name),
        state: { ...inputs, status: { name: inputs.name, namespace: inputs.namespace } },
      };
    case "kubernetes:core/v1:Secret":
      // A read (`Secret.get`) of the chart's TLS Secret: its CA, base64 as the API gives it.
      if (args.id !== undefined && args.id !== "" && args.id.endsWith("-crt")) {
        return {
          id: args.id,
          state: { data: { "ca.crt": Buffer.from(MOCK_CA_CERTIFICATE).toString("base64") } },
        };
      }
      return { id: shortId(args.name), state: inputs };
    case "random:index/randomString:RandomString":
      // Distinct per build, as two stacks' ids are.
      return {
        id: args.name,
        state: { ...inputs, result: `idmock${(sequence++).toString(36).padStart(10, "0")}` },
      };
    case "random:index/randomPassword:RandomPassword":
      return {
        id: args.name,
        state: { ...inputs, result: `mock-generated-password-${args.name}` },
      };
    default:
      return { id: shortId(args.name), state: inputs };
  }
}

const CALL_RESULTS: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: ACCOUNT_ID,
    arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci-deployer`,
    userId: "AIDAEXAMPLEUSERID0001",
    id: ACCOUNT_ID,
  }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
    names: ZONES,
    zoneIds: ["apne2-az1", "apne2-az2", "apne2-az3", "apne2-az4"],
    id: "ap-northeast-2",
  }),
  "aws:route53/getZone:getZone": (inputs) => ({
    zoneId: "Z0123456789ABCDEFGHIJ",
    name: inputs.name,
    id: "Z0123456789ABCDEFGHIJ",
  }),
};

void pulumi.runtime.setMocks(
  {
    newResource: async (args) => {
      const { id, state } = mockState(args);
      registered.push({
        type: args.type,
        name: args.name,
        inputs: args.inputs as Record<string, unknown>,
        provider: args.provider,
        id,
        state,
      });
      const gate = gates.get(args.type);
      if (gate) await gate;
      return { id, state };
    },
    call: (args) => {
      const result = CALL_RESULTS[args.token];
      return result
        ? result(args.inputs as Record<string, unknown>)
        : (args.inputs as Record<string, unknown>);
    },
  },
  MOCK_PROJECT,
  MOCK_STACK,
  false,
  MOCK_ORGANIZATION,
);

/** The value of an output; rejects when it does not resolve within `timeoutMs`. */
export function promiseOf<T>(output: pulumi.Output<T>, timeoutMs = 10000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`output did not resolve within ${timeoutMs} ms`)),
      timeoutMs,
    );
    output.apply((value) => {
      clearTimeout(timer);
      resolve(value);
      return value;
    });
  });
}

/** Resolves when every registration, invoke and log call the Pulumi runtime has in flight is done. */
function waitForRPCs(): Promise<void> {
  // The runtime's own count (`rpcKeepAlive`), which it waits on before it disconnects; not in
  // the SDK's typings, so checked here: an SDK that drops it fails every program test loudly.
  const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (typeof wait !== "function") {
    throw new Error(
      "@pulumi/pulumi has no runtime.waitForRPCs any more: settle() needs a new signal",
    );
  }
  return wait();
}

/**
 * Waits until the program has registered everything it will. Under the mocks every step of a
 * registration is a promise: once the runtime has nothing in flight and a turn of the event loop
 * (which runs every pending promise callback, the program's `apply`s among them) has registered
 * nothing new, nothing else can come. While a type is held (`holdType`), its registrations and
 * whatever waits for them stay in flight, so only the turn counts.
 */
export async function settle(): Promise<void> {
  for (;;) {
    const seen = registered.length;
    if (gates.size === 0) await waitForRPCs();
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (registered.length === seen) return;
  }
}

/** Unwraps a secret input as the engine delivers it to `newResource`. */
export function unwrapSecret(value: unknown): { secret: boolean; value: unknown } {
  return isSecretEnvelope(value) ? { secret: true, value: value.value } : { secret: false, value };
}
