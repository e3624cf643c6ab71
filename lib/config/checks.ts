/**
 * Checks of single config values that need more than a pattern: each returns the problem's
 * message (what is wrong and what is allowed), or undefined when the value is fine. Pure.
 * The parser (`parse*.ts`) pairs each message with its key.
 */
import type { Region } from "@pulumi/aws/types/enums";
import { parseCidr } from "../network/subnetPlan";
import { MAX_PERSISTENCE_SIZE, MIN_PERSISTENCE_SIZE } from "../redis/defaults";
import { parseQuantity } from "../redis/quantity";

/** A problem with one key (the key without the `andyredis:` namespace; `list[2]` for items). */
export interface Problem {
  readonly key: string;
  readonly message: string;
}

/**
 * The regions the AWS provider knows, all partitions (aws, aws-cn, aws-us-gov, iso): the list
 * a newer `@pulumi/aws` extends. `allowUnlistedRegion` lets a region newer than it through.
 * Read on first use: only aws mode checks a region, and a clusterOnly run loads no part of
 * `@pulumi/aws` (tests/fast/stack-loading.test.ts).
 */
export function knownRegions(): readonly string[] {
  // A require, not an import: an import would load the enums with this module, in every mode.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const enums = require("@pulumi/aws/types/enums") as { Region: typeof Region };
  return Object.values(enums.Region);
}

/** The shape of every AWS region name, for `allowUnlistedRegion`. */
const REGION_FORM = /^[a-z]{2,4}(-(gov|iso[a-z]?))?-[a-z]+-\d{1,2}$/;

export function regionProblem(region: string, allowUnlisted: boolean): string | undefined {
  if (knownRegions().includes(region)) return undefined;
  if (allowUnlisted) {
    return REGION_FORM.test(region)
      ? undefined
      : `"${region}" is not allowed; use a region name such as "ap-northeast-2"`;
  }
  return `"${region}" is not allowed; use a region of the AWS provider's list, e.g. "ap-northeast-2" (for a region newer than the list, also set andyredis:allowUnlistedRegion to true)`;
}

/** CIDR lists that are not subnet plans (API and ALB allow-lists): every entry strict. */
export function cidrListProblems(key: string, cidrs: readonly string[]): Problem[] {
  if (cidrs.length === 0) {
    return [{ key, message: 'must list at least one CIDR, e.g. "203.0.113.0/24"' }];
  }
  const problems: Problem[] = [];
  cidrs.forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (typeof parsed === "string") problems.push({ key: `${key}[${i}]`, message: parsed });
  });
  return problems;
}

const K8S_VERSION = /^1\.(2[89]|3\d)$/;

/**
 * An EKS minor version. YAML reads an unquoted `1.30` as the number 1.3, so a value that is a
 * supported version with its trailing zero dropped is named as such.
 */
export function kubernetesVersionProblem(version: string): string | undefined {
  if (K8S_VERSION.test(version)) return undefined;
  if (/^1\.[23]$/.test(version) && K8S_VERSION.test(`${version}0`)) {
    return `"${version}" is what YAML makes of an unquoted ${version}0; quote it: andyredis:kubernetesVersion: "${version}0"`;
  }
  return `"${version}" is not allowed; use an EKS minor version from "1.28" to "1.39", quoted, e.g. "1.35"`;
}

const SIZE = /^[1-9]\d*(Mi|Gi|Ti)$/;

/** A volume size EBS can make: from 1 GiB to 16 TiB. */
export function persistenceSizeProblem(size: string): string | undefined {
  const bytes = SIZE.test(size) ? parseQuantity(size) : undefined;
  const min = parseQuantity(MIN_PERSISTENCE_SIZE) ?? 0;
  const max = parseQuantity(MAX_PERSISTENCE_SIZE) ?? 0;
  if (bytes !== undefined && bytes >= min && bytes <= max) return undefined;
  return `"${size}" is not allowed; use a size in Mi, Gi or Ti from ${MIN_PERSISTENCE_SIZE} to ${MAX_PERSISTENCE_SIZE} (what an EBS gp3 volume allows), e.g. "8Gi"`;
}

/**
 * A password given in config. The chart writes it unquoted into sentinel.conf (`requirepass`,
 * `sentinel auth-pass`) and passes it through shell scripts, so whitespace, quotes and
 * backslashes break it. Never quotes the value.
 */
export function passwordProblem(password: string): string | undefined {
  if (password.length >= 16 && /^[\x21-\x7e]+$/.test(password) && !/["'\\`]/.test(password)) {
    return undefined;
  }
  return `this value is not allowed (${password.length} characters); use at least 16 printable ASCII characters without spaces, quotes, backquotes or backslashes`;
}

/** What the Kubernetes API endpoint settings come to, or why they are refused. */
export interface ApiAccess {
  readonly endpointPublic: boolean;
  /** Empty when there is no public endpoint. */
  readonly publicAccessCidrs: readonly string[];
}

/**
 * The API endpoint: public with an allow-list the user gives (there is no default: any default
 * would be either the whole internet or nobody's address), or private only. 0.0.0.0/0 (any /0)
 * is refused unless `apiPublicAccessAllowAnywhere` asks for it by name.
 */
export function apiAccessProblems(
  endpointPublic: boolean,
  cidrs: readonly string[] | undefined,
  allowAnywhere: boolean,
): Problem[] {
  const key = "apiPublicAccessCidrs";
  if (!endpointPublic) {
    return cidrs === undefined
      ? []
      : [
          {
            key,
            message:
              "applies only to a public endpoint, and apiEndpointPublic is false; remove it (pulumi config rm andyredis:apiPublicAccessCidrs)",
          },
        ];
  }
  if (cidrs === undefined) {
    return [
      {
        key,
        message:
          'is required in aws mode: list who may reach the Kubernetes API, e.g. your address: pulumi config set --path "andyredis:apiPublicAccessCidrs[0]" "$(curl -s https://checkip.amazonaws.com)/32"; or set andyredis:apiEndpointPublic to false for a private-only endpoint',
      },
    ];
  }
  const problems = cidrListProblems(key, cidrs);
  cidrs.forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (typeof parsed !== "string" && parsed.prefix === 0 && !allowAnywhere) {
      problems.push({
        key: `${key}[${i}]`,
        message: `"${cidr}" opens the Kubernetes API to the whole internet; list narrower CIDRs, or set andyredis:apiPublicAccessAllowAnywhere to true to ask for it explicitly`,
      });
    }
  });
  return problems;
}

const KMS_KEY_ARN =
  /^arn:aws(?:-cn|-us-gov|-iso(?:-[a-z])?)?:kms:([a-z0-9-]+):(\d{12}):key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * A KMS key for EKS envelope encryption: the key's own ARN (EKS takes no alias), in the stack's
 * region (EKS refuses a key of another region, but only after the cluster create started).
 */
export function kmsKeyArnProblem(arn: string, region: string): string | undefined {
  const allowed = `use none, create, or a key ARN such as "arn:aws:kms:${region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`;
  if (/^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(arn)) {
    return `"${arn}" is an alias; EKS needs the key's own ARN; ${allowed}`;
  }
  const match = KMS_KEY_ARN.exec(arn);
  if (!match) return `"${arn}" is not a KMS key ARN; ${allowed}`;
  if (match[1] !== region) {
    return `"${arn}" is a key in ${match[1]}, and the stack's region is ${region}: EKS needs a key in the cluster's region; ${allowed}`;
  }
  return undefined;
}

/** A docker config JSON (`~/.docker/config.json`, `kubectl create secret docker-registry`). */
export function dockerConfigProblem(value: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const auths = (parsed as { auths?: unknown } | undefined)?.auths;
  if (
    typeof auths !== "object" ||
    auths === null ||
    Array.isArray(auths) ||
    Object.keys(auths).length === 0
  ) {
    return `this value is not allowed; use a docker config JSON with at least one registry under "auths" (what ~/.docker/config.json holds)`;
  }
  return undefined;
}
