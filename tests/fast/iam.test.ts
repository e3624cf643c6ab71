import * as assert from "node:assert/strict";
import {
  ebsCsiAddonConfiguration,
  ec2AssumeRolePolicy,
  podIdentityAssumeRolePolicy,
} from "../../lib/iam";
import { defaultTags, STACK_TAG_KEY, stackTagValue } from "../../lib/tags";

describe("iam and tags", () => {
  it("lets only the Pod Identity agent assume the CSI role, with session tags", () => {
    const doc = JSON.parse(podIdentityAssumeRolePolicy());
    assert.deepEqual(doc.Statement[0].Principal, { Service: "pods.eks.amazonaws.com" });
    assert.deepEqual(doc.Statement[0].Action, ["sts:AssumeRole", "sts:TagSession"]);
    assert.deepEqual(JSON.parse(ec2AssumeRolePolicy()).Statement[0].Principal, {
      Service: "ec2.amazonaws.com",
    });
  });

  it("renders the CSI add-on configuration with the volume tags and the cluster id", () => {
    assert.deepEqual(JSON.parse(ebsCsiAddonConfiguration("c1", { [STACK_TAG_KEY]: "o/p/s" })), {
      controller: { extraVolumeTags: { "andyredis/stack": "o/p/s" }, k8sTagClusterId: "c1" },
    });
  });

  it("keeps the stack tag last so that user tags cannot replace it", () => {
    assert.equal(stackTagValue("o", "p", "s"), "o/p/s");
    assert.deepEqual(defaultTags({ [STACK_TAG_KEY]: "forged", a: "b" }, "o/p/s"), {
      "andyredis/stack": "o/p/s",
      a: "b",
    });
  });
});
