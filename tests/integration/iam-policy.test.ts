/**
 * The stack's role trust policies through moto's IAM trust-policy validator (moto 5.2.1, what
 * its `CreateRole` runs): an independent reading of what IAM accepts, in a Python child process.
 */
import * as assert from "node:assert/strict";

import { ec2AssumeRolePolicy, podIdentityAssumeRolePolicy } from "../../lib/cluster/iam";
import { PROJECT_DIR } from "../helpers/paths";
import { runProcess } from "../helpers/process";

const VALIDATE = `
import json, sys
from moto.iam.policy_validation import IAMTrustPolicyDocumentValidator
results = {}
for name, document in json.load(sys.stdin).items():
    try:
        IAMTrustPolicyDocumentValidator(document).validate()
        results[name] = "ok"
    except Exception as error:
        results[name] = str(error) or type(error).__name__
print(json.dumps(results))
`;

describe("IAM trust policies (moto's validator, child process)", function () {
  this.timeout(30_000);

  it("accepts both trust policies, and refuses a broken one", async () => {
    const documents = {
      ec2: ec2AssumeRolePolicy(),
      podIdentity: podIdentityAssumeRolePolicy(),
      // The control: a trust policy may not grant S3 actions.
      broken: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "s3:GetObject" },
        ],
      }),
    };
    const result = await runProcess("python3", ["-c", VALIDATE], {
      cwd: PROJECT_DIR,
      env: process.env,
      input: JSON.stringify(documents),
    });
    assert.equal(result.code, 0, `python3 with moto (pip moto[server]==5.2.1): ${result.stderr}`);
    const verdicts = JSON.parse(result.stdout) as Record<keyof typeof documents, string>;
    assert.equal(verdicts.ec2, "ok");
    assert.equal(verdicts.podIdentity, "ok");
    assert.match(verdicts.broken, /Trust Policy statement actions can only be/);
  });
});
