/**
 * IAM documents, the EBS CSI add-on configuration and the provider's default tags, checked
 * against what AWS and the cleanup need of them rather than against a copy of the code. The
 * trust policies also go through moto's IAM validator in tests/integration/iam-policy.test.ts.
 */
import * as assert from "node:assert/strict";

import { isStackResource } from "../../lib/cleanup/plan";
import {
  ebsCsiAddonConfiguration,
  ec2AssumeRolePolicy,
  podIdentityAssumeRolePolicy,
} from "../../lib/cluster/iam";
import {
  defaultTags,
  isLegacyStackTag,
  isStackTag,
  isStackTagMigration,
  STACK_TAG_KEY,
  stackIdentityTag,
  stackTagValue,
} from "../../lib/tags";

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  [element: string]: unknown;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/**
 * What IAM requires of a role trust policy (IAM JSON policy element reference; "Role trust
 * policy" in the IAM user guide): the current policy language version; a non-empty list of
 * statements, each with an Effect of Allow or Deny, a Principal, and Actions that are STS
 * actions; no Resource (the role itself is the resource). One line per problem.
 */
function trustPolicyProblems(text: string): string[] {
  const doc = JSON.parse(text) as { Version?: unknown; Statement?: unknown };
  const problems: string[] = [];
  if (doc.Version !== "2012-10-17") problems.push(`Version is ${JSON.stringify(doc.Version)}`);
  const statements = asList(doc.Statement).filter((s) => s !== undefined) as Statement[];
  if (statements.length === 0) problems.push("no Statement");
  statements.forEach((s, i) => {
    if (s.Effect !== "Allow" && s.Effect !== "Deny") problems.push(`Statement ${i}: Effect`);
    if (typeof s.Principal !== "object" || s.Principal === null) {
      problems.push(`Statement ${i}: no Principal`);
    }
    const actions = asList(s.Action);
    if (actions.length === 0 || !actions.every((a) => typeof a === "string" && /^sts:/.test(a))) {
      problems.push(`Statement ${i}: Action must be STS actions, got ${JSON.stringify(s.Action)}`);
    }
    if ("Resource" in s || "NotResource" in s) problems.push(`Statement ${i}: has a Resource`);
  });
  return problems;
}

/** Whether some Allow statement lets this service principal take every one of these actions. */
function allows(text: string, service: string, actions: readonly string[]): boolean {
  const doc = JSON.parse(text) as { Statement?: unknown };
  return (asList(doc.Statement) as Statement[]).some((s) => {
    const principal = s.Principal as { Service?: unknown } | undefined;
    return (
      s.Effect === "Allow" &&
      asList(principal?.Service).includes(service) &&
      actions.every((action) => asList(s.Action).includes(action))
    );
  });
}

describe("iam and tags", () => {
  it("trust policies follow IAM's grammar for role trust policies", () => {
    assert.deepEqual(trustPolicyProblems(ec2AssumeRolePolicy()), []);
    assert.deepEqual(trustPolicyProblems(podIdentityAssumeRolePolicy()), []);
    // The check itself catches what IAM refuses.
    assert.equal(
      trustPolicyProblems(
        JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }),
      ).length,
      4,
    );
  });

  it("lets EC2 (the nodes) assume the node role", () => {
    assert.ok(allows(ec2AssumeRolePolicy(), "ec2.amazonaws.com", ["sts:AssumeRole"]));
  });

  // EKS user guide, "EKS Pod Identity role": the agent needs both actions, TagSession for the
  // session tags it adds (cluster, namespace, service account).
  it("lets the EKS Pod Identity agent assume the CSI role and tag the session", () => {
    const policy = podIdentityAssumeRolePolicy();
    assert.ok(allows(policy, "pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]));
    assert.ok(!allows(policy, "ec2.amazonaws.com", ["sts:AssumeRole"]), "only the agent");
  });

  // The driver tags each volume it creates with `extraVolumeTags` and, from `k8sTagClusterId`,
  // `kubernetes.io/cluster/<id>: owned` (aws-ebs-csi-driver docs, "Tagging"); the destroy hook
  // finds a stack's volumes by those tags.
  it("has the CSI driver tag every volume so that this stack's cleanup finds it, and no other", () => {
    const stackTag = stackTagValue("o", "p", "s");
    const config = JSON.parse(ebsCsiAddonConfiguration("c1", { [STACK_TAG_KEY]: stackTag })) as {
      controller: { extraVolumeTags: Record<string, string>; k8sTagClusterId: string };
    };
    assert.deepEqual(Object.keys(config), ["controller"]);
    const { extraVolumeTags, k8sTagClusterId } = config.controller;
    assert.equal(k8sTagClusterId, "c1");
    const volumeTags = {
      ...extraVolumeTags,
      [`kubernetes.io/cluster/${k8sTagClusterId}`]: "owned",
    };
    assert.equal(isStackResource(volumeTags, stackTag), true);
    assert.equal(isStackResource(volumeTags, stackTagValue("o", "p", "s2")), false);
  });

  it("never lets a user tag replace the stack tag the cleanup selects on", () => {
    const stackTag = stackTagValue("o", "p", "s");
    assert.equal(stackTag, "o/p/s");
    const user = { team: "cache", [STACK_TAG_KEY]: "o/p/other", cost: "1" };
    const tags = defaultTags(user, stackTag);
    assert.equal(tags[STACK_TAG_KEY], stackTag);
    assert.equal(isStackResource(tags, stackTag), true);
    assert.equal(isStackResource(tags, "o/p/other"), false);
    // Every other user tag is kept as given, and nothing is added but the stack tag.
    assert.deepEqual(
      Object.keys(tags)
        .filter((key) => key !== STACK_TAG_KEY)
        .sort(),
      ["cost", "team"],
    );
    assert.equal(tags.team, "cache");
    assert.equal(tags.cost, "1");
  });
});

describe("the stack identity's tag", () => {
  const name = stackTagValue("organization", "andyredis", "dev");
  const a = stackIdentityTag(name, "0a0a0a0a0a0a0a0a");
  const b = stackIdentityTag(name, "0b0b0b0b0b0b0b0b");

  it("tells two stacks of one name apart by their ids", () => {
    assert.equal(a, "organization/andyredis/dev/0a0a0a0a0a0a0a0a");
    assert.notEqual(a, b);
    assert.equal(isStackResource({ [STACK_TAG_KEY]: a }, b), false);
    assert.throws(
      () => stackIdentityTag(name, "xyz"),
      /stack id: got "xyz", expected 16 lower-case letters or digits/,
    );
  });

  it("accepts the new form and the legacy one, nothing else", () => {
    for (const ok of [a, name]) assert.equal(isStackTag(ok), true, ok);
    for (const bad of [
      "dev",
      "o/p",
      "o//s",
      `${name}/xyz`,
      `${a}/more`,
      `${name}/0A0A0A0A0A0A0A0A`,
    ]) {
      assert.equal(isStackTag(bad), false, bad);
    }
    assert.equal(isLegacyStackTag(name), true);
    assert.equal(isLegacyStackTag(a), false);
  });

  it("calls only legacy -> legacy/<id> a migration", () => {
    assert.equal(isStackTagMigration(name, a), true);
    assert.equal(isStackTagMigration(a, b), false, "another id is another stack");
    assert.equal(
      isStackTagMigration(name, stackIdentityTag(`${name}2`, "0a0a0a0a0a0a0a0a")),
      false,
    );
    assert.equal(isStackTagMigration(a, name), false, "never back");
    assert.equal(isStackTagMigration(name, name), false);
  });
});
