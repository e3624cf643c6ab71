/**
 * The stack-output contract: what an andyredis stack exports, for the stacks and tools that
 * consume it (the Automation API driver, `examples/consumer`, other teams' programs).
 *
 * `index.ts` exports exactly these names. Changing a name or a type here is a breaking change
 * for every consumer; adding an optional output is not.
 */
import * as pulumi from "@pulumi/pulumi";

/** The pod label (key and value) a client needs to pass the Redis NetworkPolicy. */
export interface ClientLabel {
  readonly key: string;
  readonly value: string;
}

/** How the stack was deployed: the whole AWS foundation plus Redis, or Redis into a cluster. */
export type RedisDeploymentMode = "aws" | "clusterOnly";

/**
 * The outputs of the AWS foundation, as plain values: present exactly when `deploymentMode` is
 * `"aws"` (`recordSet` only when a domain is configured).
 */
export interface FoundationOutputs {
  readonly accountId: string;
  readonly callerArn: string;
  readonly callerUser: string;
  readonly clusterName: string;
  readonly region: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly publicSubnetIds: readonly string[];
  readonly publicSubnetCidrs: readonly string[];
  readonly privateSubnetIds: readonly string[];
  readonly privateSubnetCidrs: readonly string[];
  readonly natIps: readonly string[];
  readonly nodeSecurityGroupId: string;
  readonly targetGroupArn: string;
  readonly albDnsName: string;
  readonly efsId: string;
  readonly efsMountTargetIds: readonly string[];
  /** The wildcard record `*.<domain>`; only when a domain is configured. */
  readonly recordSet?: string;
}

/** The outputs of the Redis release, as plain values, in every mode. */
export interface ReleaseOutputs {
  /** Secret. The kubeconfig (YAML or JSON text) of the cluster Redis runs in. */
  readonly kubeconfig: string;
  readonly deploymentMode: RedisDeploymentMode;
  /** `<organization>/<project>/<stack>`: the value of the `andyredis/stack` tag. */
  readonly stackTag: string;
  /** `host:26379`: the Sentinel Service inside the cluster. */
  readonly sentinelEndpoint: string;
  /**
   * One DNS name per Redis node (`<release>-node-<i>.<release>-headless.<ns>.svc.cluster.local`),
   * without the port: each pod runs a sentinel on 26379. Its length is the number of nodes.
   */
  readonly sentinelHosts: readonly string[];
  readonly redisMasterSet: string;
  readonly redisNamespace: string;
  readonly redisReleaseName: string;
  /** The ACL user clients authenticate as on Redis and Sentinel (`app`). */
  readonly redisUsername: string;
  /** Secret. That user's password. */
  readonly redisPassword: string;
  /** `host:6379` of the master Service; only when that Service is enabled. */
  readonly redisMasterEndpoint?: string;
  /**
   * The CA certificate (PEM) of the servers' TLS certificates; only with `redisTls` (the
   * default). Clients verify Redis and Sentinel with it.
   */
  readonly redisCaCertificate?: string;
  readonly redisClientLabel: ClientLabel;
}

/** The outputs of an andyredis stack, as plain values. */
export type RedisStackOutputs = ReleaseOutputs & Partial<FoundationOutputs>;

/**
 * What a program exports for a set of outputs: each value, or a `pulumi.Output` of it. The
 * program's exports are typed with it (stack.ts), so a missing, renamed or mistyped output is
 * a compile error there.
 */
export type Exports<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** The name of one output in the contract. */
export type RedisOutputName = keyof RedisStackOutputs;

/** What shape a value must have. */
export type OutputKind = "string" | "stringArray" | "deploymentMode" | "clientLabel";

/**
 * When an output must be present: `always`; `aws` (when deploymentMode is "aws"); `optional`
 * (depends on config that the contract cannot see: a domain, the master Service).
 */
export type OutputPresence = "always" | "aws" | "optional";

export interface OutputSpec {
  readonly kind: OutputKind;
  readonly presence: OutputPresence;
  /** Secret outputs stay secret in every consumer (StackReference reads re-wrap them). */
  readonly secret: boolean;
  readonly description: string;
}

const aws = (kind: OutputKind, description: string): OutputSpec => ({
  kind,
  presence: "aws",
  secret: false,
  description,
});

/**
 * The contract, one entry per output. The mapped type makes the compiler insist on an entry for
 * every field of `RedisStackOutputs`, so the table and the type cannot drift apart.
 */
export const OUTPUT_CONTRACT: { readonly [K in RedisOutputName]-?: OutputSpec } = {
  accountId: aws("string", "AWS account id the stack deployed into"),
  callerArn: aws("string", "ARN of the identity that ran the deployment"),
  callerUser: aws("string", "user id of that identity"),
  clusterName: aws("string", "EKS cluster name"),
  region: aws("string", "AWS region"),
  vpcId: aws("string", "VPC id"),
  vpcCidr: aws("string", "VPC CIDR block"),
  publicSubnetIds: aws("stringArray", "public subnet ids, in zone order"),
  publicSubnetCidrs: aws("stringArray", "public subnet CIDRs, in zone order"),
  privateSubnetIds: aws("stringArray", "private subnet ids, in zone order"),
  privateSubnetCidrs: aws("stringArray", "private subnet CIDRs, in zone order"),
  natIps: aws("stringArray", "public IPs of the NAT gateways"),
  nodeSecurityGroupId: aws("string", "security group of the worker nodes"),
  targetGroupArn: aws("string", "ALB target group forwarding to the nodes"),
  albDnsName: aws("string", "DNS name of the ALB"),
  efsId: aws("string", "EFS file system id"),
  efsMountTargetIds: aws("stringArray", "EFS mount target ids, one per zone"),
  recordSet: {
    kind: "string",
    presence: "optional",
    secret: false,
    description: "wildcard DNS record `*.<domain>`; only when a domain is configured",
  },
  kubeconfig: {
    kind: "string",
    presence: "always",
    secret: true,
    description: "kubeconfig of the cluster Redis runs in",
  },
  deploymentMode: {
    kind: "deploymentMode",
    presence: "always",
    secret: false,
    description: '"aws" or "clusterOnly"',
  },
  stackTag: {
    kind: "string",
    presence: "always",
    secret: false,
    description:
      "`<org>/<project>/<stack>/<id>`, the stack identity: the value of the `andyredis/stack` tag",
  },
  sentinelEndpoint: {
    kind: "string",
    presence: "always",
    secret: false,
    description: "`host:26379` of the Sentinel Service",
  },
  sentinelHosts: {
    kind: "stringArray",
    presence: "always",
    secret: false,
    description:
      "one DNS name per Redis node, without the port (each pod runs a sentinel on 26379)",
  },
  redisMasterSet: {
    kind: "string",
    presence: "always",
    secret: false,
    description: "Sentinel master set name",
  },
  redisNamespace: {
    kind: "string",
    presence: "always",
    secret: false,
    description: "namespace of the Redis release",
  },
  redisReleaseName: {
    kind: "string",
    presence: "always",
    secret: false,
    description: "Helm release name",
  },
  redisUsername: {
    kind: "string",
    presence: "always",
    secret: false,
    description:
      "the ACL user clients authenticate as, on Redis and on Sentinel (`app`: no scripting, no dangerous or admin commands)",
  },
  redisPassword: {
    kind: "string",
    presence: "always",
    secret: true,
    description: "the password of `redisUsername`, on Redis and on Sentinel",
  },
  redisMasterEndpoint: {
    kind: "string",
    presence: "optional",
    secret: false,
    description: "`host:6379` of the master Service; only when it is enabled",
  },
  redisCaCertificate: {
    kind: "string",
    presence: "optional",
    secret: false,
    description:
      "the CA certificate (PEM) Redis' and Sentinel's TLS certificates chain to; only with redisTls (the default)",
  },
  redisClientLabel: {
    kind: "clientLabel",
    presence: "always",
    secret: false,
    description: "`{key, value}`: the pod label a client needs to pass the NetworkPolicy",
  },
};

/** Every output name, in contract order. */
export const OUTPUT_NAMES: readonly RedisOutputName[] = Object.keys(
  OUTPUT_CONTRACT,
) as RedisOutputName[];

/** The names of the secret outputs (`kubeconfig`, `redisPassword`). */
export const SECRET_OUTPUT_NAMES: readonly RedisOutputName[] = OUTPUT_NAMES.filter(
  (name) => OUTPUT_CONTRACT[name].secret,
);

/** What `pulumi stack output --json` prints for a secret without `--show-secrets`. */
export const MASKED_SECRET = "[secret]";

/** An output value that does not follow the contract; the message lists every problem. */
export class ContractError extends Error {
  constructor(
    readonly stack: string,
    readonly problems: readonly string[],
  ) {
    super(
      `the outputs of stack "${stack}" do not follow the andyredis output contract ` +
        `(lib/contract.ts):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ContractError";
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * The problem with one present value, or undefined when it has the right shape. The message
 * never includes the value itself, which may be a secret.
 */
export function checkOutputValue(name: RedisOutputName, value: unknown): string | undefined {
  const spec = OUTPUT_CONTRACT[name];
  if (spec.secret && value === MASKED_SECRET) {
    return `"${name}" is masked ("${MASKED_SECRET}"): read the outputs with --show-secrets`;
  }
  const shown = spec.secret ? "a secret of the wrong type" : describe(value);
  switch (spec.kind) {
    case "string":
      return typeof value === "string" ? undefined : `"${name}" must be a string, got ${shown}`;
    case "stringArray":
      return Array.isArray(value) && value.every((v) => typeof v === "string")
        ? undefined
        : `"${name}" must be a list of strings, got ${shown}`;
    case "deploymentMode":
      return value === "aws" || value === "clusterOnly"
        ? undefined
        : `"${name}" must be "aws" or "clusterOnly", got ${shown}`;
    case "clientLabel": {
      const label = value as Partial<Record<string, unknown>> | null;
      return typeof label === "object" &&
        label !== null &&
        !Array.isArray(label) &&
        typeof label.key === "string" &&
        label.key !== "" &&
        typeof label.value === "string"
        ? undefined
        : `"${name}" must be {key: string, value: string}, got ${shown}`;
    }
    default: {
      const unknownKind: never = spec.kind;
      throw new Error(`unknown output kind ${String(unknownKind)}`);
    }
  }
}

/**
 * Checks plain output values (e.g. from `stack.outputs()` in the Automation API) against the
 * contract and returns them typed. Collects every problem and throws one ContractError. Outputs
 * the contract does not name are ignored, so the producer may add outputs without breaking
 * consumers.
 */
export function parseStackOutputs(
  stack: string,
  raw: Readonly<Record<string, unknown>>,
): RedisStackOutputs {
  const problems: string[] = [];
  const mode = raw.deploymentMode;
  const picked: Record<string, unknown> = {};
  for (const name of OUTPUT_NAMES) {
    const spec = OUTPUT_CONTRACT[name];
    const value = raw[name];
    if (value === undefined || value === null) {
      if (spec.presence === "always") {
        problems.push(`required output "${name}" is missing`);
      } else if (spec.presence === "aws" && mode === "aws") {
        problems.push(`output "${name}" is missing; it is required when deploymentMode is "aws"`);
      }
      continue;
    }
    const problem = checkOutputValue(name, value);
    if (problem !== undefined) problems.push(problem);
    picked[name] = value;
  }
  if (problems.length > 0) throw new ContractError(stack, problems);
  // Every field of `picked` was checked above against the entry for its name.
  return picked as unknown as RedisStackOutputs;
}

/** The contract's outputs as `pulumi.Output`s, read from a StackReference. */
export type RedisStackReferenceOutputs = {
  readonly [K in RedisOutputName]-?: pulumi.Output<RedisStackOutputs[K]>;
};

/**
 * Reads every contract output from a StackReference to an andyredis stack.
 *
 * - Outputs present `always` are read with `requireOutput`: a missing one fails the program
 *   with Pulumi's "Required output 'x' does not exist on stack 'y'", naming it.
 * - Mode-dependent and optional outputs are read with `getOutput` and are `undefined` when
 *   absent (e.g. the AWS outputs of a `clusterOnly` stack).
 * - Values are checked against the contract; a wrong type fails with a message naming the
 *   output and the stack, never the value.
 * - `kubeconfig` and `redisPassword` are wrapped in `pulumi.secret` even if the producing
 *   stack forgot to mark them, so that they stay out of this stack's state and logs.
 */
export function readRedisStack(ref: pulumi.StackReference): RedisStackReferenceOutputs {
  const read = (name: RedisOutputName): pulumi.Output<unknown> => {
    const spec = OUTPUT_CONTRACT[name];
    const raw: pulumi.Output<unknown> =
      spec.presence === "always" ? ref.requireOutput(name) : ref.getOutput(name);
    // `all` with the (plain) stack name keeps the secretness of `raw`, whatever it is.
    const checked = pulumi.all([ref.name, raw]).apply(([stack, value]): unknown => {
      if (value === undefined || value === null) {
        // `requireOutput` already rejects an absent output; this catches an exported null.
        if (spec.presence === "always") {
          throw new ContractError(stack, [`required output "${name}" is missing`]);
        }
        return undefined;
      }
      const problem = checkOutputValue(name, value);
      if (problem !== undefined) throw new ContractError(stack, [problem]);
      return value;
    });
    return spec.secret ? pulumi.secret(checked) : checked;
  };
  const result: Partial<Record<RedisOutputName, pulumi.Output<unknown>>> = {};
  for (const name of OUTPUT_NAMES) result[name] = read(name);
  // Every key was filled in the loop above with a value `checkOutputValue` accepted for it.
  return result as RedisStackReferenceOutputs;
}

/** What verify and drill need to reach a deployment. */
export interface DeploymentTarget {
  /** Kubeconfig content (YAML or JSON), from the secret output `kubeconfig`. */
  readonly kubeconfig: string;
  readonly namespace: string;
  /** Pods are `<release>-node-<i>`, behind the headless Service `<release>-headless`. */
  readonly releaseName: string;
  readonly masterSet: string;
  /**
   * The application user's password (outputs). verify and drill do not use it: they run as the
   * operator user, whose password they read from the release's ACL Secret.
   */
  readonly password: string;
  /** Redis nodes: one per sentinel host. */
  readonly nodes: number;
  /** The CA of the servers' TLS certificates (`redisCaCertificate`); absent: plaintext. */
  readonly caCertificate?: string;
}

/**
 * The one way from a stack's outputs to the deployment verify and drill work on: the driver,
 * `npm run verify -- --outputs` and `npm run drill -- --outputs` all call it.
 */
export function deploymentTarget(outputs: RedisStackOutputs): DeploymentTarget {
  return {
    kubeconfig: outputs.kubeconfig,
    namespace: outputs.redisNamespace,
    releaseName: outputs.redisReleaseName,
    masterSet: outputs.redisMasterSet,
    password: outputs.redisPassword,
    nodes: outputs.sentinelHosts.length,
    ...(outputs.redisCaCertificate === undefined
      ? {}
      : { caCertificate: outputs.redisCaCertificate }),
  };
}
