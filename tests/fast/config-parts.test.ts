/** The pure parts of the config check, table-tested without the program. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tar from "tar";
import { REFERENCE_CHART } from "../helpers/paths";
import { parseConfig, StackContext } from "../../lib/config/parse";
import { parseImageRef } from "../../lib/config/parseRedis";
import { chartLocationProblem } from "../../lib/config/chartLocation";
import { localFiles } from "../../lib/config/io/localFiles";
import {
  knownRegions,
  kubernetesVersionProblem,
  passwordProblem,
  persistenceSizeProblem,
  regionProblem,
} from "../../lib/config/checks";
import { ALL_KEYS, allowedText, DEFAULTS, specOf } from "../../lib/config/keys";
import { checkKubeconfig } from "../../lib/config/kubeconfig";
import * as cleanupTypes from "../../lib/tags";
import { DEFAULT_REDIS_IMAGES } from "../../lib/redis/images";
import { reservedTagProblem } from "../../lib/tags";
import { DEFAULT_TUNING } from "../../lib/tuning";

const CONTEXT: StackContext = {
  organization: "acme",
  project: "andyredis",
  stack: "dev",
  files: localFiles(),
};

describe("config parts: the key table", () => {
  it("says for every key what it allows, and gives every integer key a range or words", () => {
    for (const key of ALL_KEYS) {
      assert.ok(allowedText(key).length > 0, key);
      const spec = specOf(key);
      if (spec.default !== undefined && spec.type === "integer") {
        assert.equal(typeof spec.default, "number", key);
      }
    }
  });

  it("gives the origin's network, Seoul, 3 nodes and the shared tuning as defaults", () => {
    const config = parseConfig({ apiPublicAccessCidrs: '["203.0.113.0/24"]' }, CONTEXT);
    assert.equal(config.network.vpcCidr, "10.107.0.0/16");
    assert.deepEqual(config.network.privateSubnetCidrs, [
      "10.107.88.0/24",
      "10.107.89.0/24",
      "10.107.80.0/24",
    ]);
    assert.equal(config.region, DEFAULTS.region);
    assert.equal(config.cluster.name, "andyredis-dev");
    assert.deepEqual(config.redis.tuning, DEFAULT_TUNING);
    assert.deepEqual(config.redis.images, DEFAULT_REDIS_IMAGES);
    // The user's tags only: the stack tag (name and random id) is added by the program.
    assert.deepEqual(config.tags, {});
    assert.equal(config.stackName, "acme/andyredis/dev");
  });
});

describe("config parts: regions", () => {
  it("knows the regions of every partition, and no global pseudo-region", () => {
    for (const region of ["ap-northeast-2", "us-east-1", "cn-north-1", "us-gov-west-1"]) {
      assert.ok(knownRegions().includes(region), region);
    }
    assert.ok(!knownRegions().includes("aws-global"));
  });

  const cases: [string, boolean, boolean][] = [
    ["ap-northeast-2", false, true],
    ["zz-nowhere-9", false, false],
    ["ap-southeast-9", false, false],
    ["ap-southeast-9", true, true],
    ["us-gov-south-3", true, true],
    ["Seoul", true, false],
    ["ap_northeast_2", true, false],
  ];
  for (const [region, allowUnlisted, ok] of cases) {
    it(`${ok ? "accepts" : "refuses"} ${region}${allowUnlisted ? " with allowUnlistedRegion" : ""}`, () => {
      assert.equal(regionProblem(region, allowUnlisted) === undefined, ok);
    });
  }
});

describe("config parts: single values", () => {
  it("names an unquoted 1.30 as YAML's 1.3, and takes quoted versions", () => {
    assert.match(String(kubernetesVersionProblem("1.3")), /unquoted 1\.30; quote it/);
    assert.equal(kubernetesVersionProblem("1.30"), undefined);
    assert.match(String(kubernetesVersionProblem("1.4")), /from "1.28" to "1.39"/);
  });

  it("keeps volume sizes within what EBS makes", () => {
    for (const ok of ["1Gi", "8Gi", "1024Mi", "16Ti", "16384Gi"])
      assert.equal(persistenceSizeProblem(ok), undefined, ok);
    for (const no of ["512Mi", "17Ti", "999999Ti", "8GB", "0Gi", "8"])
      assert.ok(persistenceSizeProblem(no), no);
  });

  it("checks a password as the chart needs it (sentinel.conf, shell), without quoting it", () => {
    for (const [password, ok] of [
      ["correct-horse-battery-staple", true],
      ["short", false],
      ["has a space in it, sixteen+", false],
      ['quote"inside-sixteen-chars', false],
      ["back\\slash-sixteen-chars", false],
      ["tab\tinside-sixteen-chars", false],
    ] as const) {
      assert.equal(passwordProblem(password) === undefined, ok, password);
      assert.ok(!(passwordProblem(password) ?? "").includes(password));
    }
  });
});

describe("config parts: user tags", () => {
  it("refuses every tag key the destroy hook and the audit select on", () => {
    const keys = Object.entries(cleanupTypes)
      .filter(([name, value]) => name.endsWith("_TAG_KEY") && typeof value === "string")
      .map(([, value]) => value as string);
    assert.ok(keys.length >= 5, keys.join(", "));
    for (const key of [
      ...keys,
      "andyredis/stack",
      "kubernetes.io/cluster/andyredis-dev",
      "kubernetes.io/service-name",
      "service.k8s.aws/stack",
      "ingress.k8s.aws/stack",
    ]) {
      assert.ok(reservedTagProblem(key), key);
    }
  });

  it("allows ordinary tags", () => {
    for (const key of ["team", "environment", "cost-center", "kubernetes-team", "Name"]) {
      assert.equal(reservedTagProblem(key), undefined, key);
    }
  });
});

describe("config parts: the chart location", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-chart-"));
  tar.x({ file: REFERENCE_CHART, cwd: tmp, sync: true });
  const dir = path.join(tmp, "redis");
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("accepts remote locations by form", () => {
    for (const chart of [
      "oci://registry-1.docker.io/bitnamicharts/redis",
      "https://charts.example.com/bitnami",
      "http://chartmuseum.internal:8080",
      "https://mirror.example.com/redis-23.1.1.tgz",
    ]) {
      assert.equal(chartLocationProblem(chart, "23.1.1", localFiles(tmp)), undefined, chart);
    }
    assert.ok(chartLocationProblem("oci://", "23.1.1", localFiles(tmp)));
    assert.ok(chartLocationProblem("s3://bucket/redis", "23.1.1", localFiles(tmp)));
  });

  it("accepts the chart archive and the unpacked chart at the configured version", () => {
    assert.equal(chartLocationProblem(REFERENCE_CHART, "23.1.1", localFiles(tmp)), undefined);
    assert.equal(chartLocationProblem(dir, "23.1.1", localFiles(tmp)), undefined);
    assert.equal(
      chartLocationProblem("redis", "23.1.1", localFiles(tmp)),
      undefined,
      "relative to the base directory",
    );
  });

  it("refuses the right chart at another version, naming both", () => {
    assert.match(
      String(chartLocationProblem(REFERENCE_CHART, "23.2.0", localFiles(tmp))),
      /holds redis chart 23\.1\.1, not 23\.2\.0/,
    );
    assert.match(
      String(chartLocationProblem(dir, "22.0.0", localFiles(tmp))),
      /holds redis chart 23\.1\.1, not 22\.0\.0/,
    );
  });

  it("refuses what is missing or not a chart", () => {
    assert.match(
      String(chartLocationProblem("nope.tgz", "23.1.1", localFiles(tmp))),
      /nor an existing file or directory/,
    );
    assert.match(
      String(chartLocationProblem(path.join(dir, "templates"), "23.1.1", localFiles(tmp))),
      /no Chart\.yaml/,
    );
    assert.match(
      String(chartLocationProblem(path.join(dir, "Chart.yaml"), "23.1.1", localFiles(tmp))),
      /not a chart archive/,
    );
    const common = path.join(dir, "charts", "common");
    assert.match(
      String(chartLocationProblem(common, "23.1.1", localFiles(tmp))),
      /holds the chart "common"/,
    );
  });

  it("resolves a local path against the project directory", () => {
    assert.equal(
      localFiles("/proj").resolve("charts/redis-23.1.1.tgz"),
      "/proj/charts/redis-23.1.1.tgz",
    );
    assert.equal(localFiles("/proj").resolve("/abs/redis"), "/abs/redis");
    assert.equal(localFiles("/proj").resolve("~/redis.tgz"), path.join(os.homedir(), "redis.tgz"));
  });
});

describe("config parts: the kubeconfig", () => {
  const content =
    "apiVersion: v1\nkind: Config\ncurrent-context: a\ncontexts: [{name: a, context: {}}, {name: b, context: {}}]\nclusters: []\n";
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-kube-"));
  fs.writeFileSync(path.join(tmp, "config"), content);
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("reads content (YAML or JSON) and files, with their contexts", () => {
    assert.deepEqual(checkKubeconfig(content, localFiles(tmp)), {
      contexts: ["a", "b"],
      currentContext: "a",
    });
    const json = JSON.stringify({ kind: "Config", clusters: [], contexts: [{ name: "j" }] });
    assert.deepEqual(checkKubeconfig(json, localFiles(tmp)).contexts, ["j"]);
    assert.deepEqual(checkKubeconfig("config", localFiles(tmp)).contexts, ["a", "b"]);
    assert.deepEqual(checkKubeconfig(path.join(tmp, "config"), localFiles("/")).contexts, [
      "a",
      "b",
    ]);
  });

  it("refuses what is neither, without echoing it", () => {
    for (const value of ["not a kubeconfig", "missing-file", "a: b\nc: d\n", "- a\n- b\n"]) {
      const check = checkKubeconfig(value, localFiles(tmp));
      assert.ok(check.problem, value);
      assert.ok(!check.problem.includes(value), value);
    }
  });
});

describe("config parts: parseImageRef", () => {
  const cases: [string, ReturnType<typeof parseImageRef>][] = [
    [
      "bitnamilegacy/redis:8.2.1",
      { registry: "docker.io", repository: "bitnamilegacy/redis", tag: "8.2.1" },
    ],
    ["localhost:5000/redis:7", { registry: "localhost:5000", repository: "redis", tag: "7" }],
    [
      "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mirror/bitnamilegacy/redis:8.2.1-debian-12-r0",
      {
        registry: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com",
        repository: "mirror/bitnamilegacy/redis",
        tag: "8.2.1-debian-12-r0",
      },
    ],
    [
      "docker.io/bitnamilegacy/redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      {
        registry: "docker.io",
        repository: "bitnamilegacy/redis",
        tag: "",
        digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      },
    ],
    [
      "mirror.example.com/redis:8.2.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      {
        registry: "mirror.example.com",
        repository: "redis",
        tag: "8.2.2",
        digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      },
    ],
  ];
  for (const [ref, expected] of cases) {
    it(`splits ${ref}`, () => assert.deepEqual(parseImageRef(ref), expected));
  }
  it("refuses a reference without a tag, and upper-case repositories", () => {
    assert.match(String(parseImageRef("docker.io/bitnamilegacy/redis")), /has no tag/);
    assert.match(
      String(parseImageRef("docker.io/Bitnami/redis:1")),
      /is not a valid image reference/,
    );
  });
});
