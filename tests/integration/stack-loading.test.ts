/**
 * A clusterOnly run loads only what it uses: not `@pulumi/aws`, `@pulumi/eks`, the AWS SDK
 * clients or the Kubernetes client (the destroy hook's), which together take longer to load than
 * the rest of the program. Each mode runs `index.ts` in a process of its own, so that no other
 * test's imports are in its module cache.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";

import { SAMPLE_KUBECONFIG } from "../helpers/outputs";
import { PROJECT_DIR } from "../helpers/paths";
import { runProcess } from "../helpers/process";
import { stackFileConfig, TEST_API_CIDRS } from "../helpers/program";

interface Loaded {
  readonly error?: string;
  readonly registered: number;
  readonly packages: readonly string[];
}

/** Packages only the aws mode needs. */
const AWS_ONLY = /^(@pulumi\/aws|@pulumi\/eks|@aws-sdk\/.*|@kubernetes\/client-node)$/;

async function loadedBy(values: Record<string, string>, secretKeys: string[]): Promise<Loaded> {
  const result = await runProcess(
    process.execPath,
    [
      "-r",
      "ts-node/register/transpile-only",
      path.join("tests", "fixtures", "loadedPackages.ts"),
      JSON.stringify(values),
      ...secretKeys,
    ],
    { cwd: PROJECT_DIR, env: process.env },
  );
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Loaded;
}

describe("stack loading: each mode loads what it uses", function () {
  this.timeout(60_000);

  it("clusterOnly registers the release without loading aws, eks or the AWS and Kubernetes clients", async () => {
    const loaded = await loadedBy(
      { "andyredis:mode": "clusterOnly", "andyredis:kubeconfig": SAMPLE_KUBECONFIG },
      ["andyredis:kubeconfig"],
    );
    assert.equal(loaded.error, undefined);
    assert.ok(loaded.registered > 0, "the run registered nothing");
    assert.ok(loaded.packages.includes("@pulumi/kubernetes"), loaded.packages.join(", "));
    assert.deepEqual(
      loaded.packages.filter((name) => AWS_ONLY.test(name)),
      [],
    );
  });

  it("aws mode loads them (the check above sees what it looks for)", async () => {
    const loaded = await loadedBy(
      {
        ...stackFileConfig("dev"),
        "andyredis:apiPublicAccessCidrs": JSON.stringify(TEST_API_CIDRS),
      },
      [],
    );
    assert.equal(loaded.error, undefined);
    for (const name of ["@pulumi/aws", "@pulumi/eks"]) {
      assert.ok(loaded.packages.includes(name), `${name} not in ${loaded.packages.join(", ")}`);
    }
  });
});
