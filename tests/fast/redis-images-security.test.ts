/**
 * Images you can vouch for: digests reach the chart's image blocks, the frozen defaults draw one
 * warning naming the CVEs and the way off them, and a pull secret is named for every pod.
 */
import * as assert from "node:assert/strict";
import { chartValues } from "../../lib/redis/chartValues";
import { DEFAULT_REDIS_IMAGES, frozenImagesWarning, imageName } from "../../lib/redis/images";
import { sampleRedisConfig } from "../../lib/redis/sampleConfig";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const opts = { existingSecretName: "redis-password", aclSecretName: "redis-acl" };

describe("images: digests, the frozen defaults, pull secrets", () => {
  it("warns about the frozen defaults, naming the CVEs, the fix and the config keys", () => {
    const warning = frozenImagesWarning(DEFAULT_REDIS_IMAGES) ?? "";
    for (const expected of [
      /docker\.io\/bitnamilegacy\/redis:8\.2\.1-debian-12-r0 and docker\.io\/bitnamilegacy\/redis-sentinel:8\.2\.1-debian-12-r0/,
      /CVE-2025-49844/,
      /CVE-2025-46817, CVE-2025-46818, CVE-2025-46819/,
      /fixed in Redis 8\.2\.2/,
      /andyredis:redisImages/,
      /andyredis:redisImagePullSecret/,
    ]) {
      assert.match(warning, expected);
    }
  });

  it("still warns for a mirror's copy of the frozen build, not once both images moved on", () => {
    const mirrored = {
      ...DEFAULT_REDIS_IMAGES,
      redis: { ...DEFAULT_REDIS_IMAGES.redis, registry: "mirror.example.com" },
    };
    assert.match(
      frozenImagesWarning(mirrored) ?? "",
      /mirror\.example\.com\/bitnamilegacy\/redis:8\.2\.1/,
    );
    const moved = {
      ...DEFAULT_REDIS_IMAGES,
      redis: { registry: "mirror.example.com", repository: "redis", tag: "8.2.2" },
      sentinel: {
        registry: "mirror.example.com",
        repository: "redis-sentinel",
        tag: "8.2.1-debian-12-r0",
        digest: DIGEST,
      },
    };
    assert.equal(frozenImagesWarning(moved), undefined);
  });

  it("passes a digest to the chart's image block, which then pulls by digest", () => {
    const redis = { registry: "mirror.example.com", repository: "redis", tag: "", digest: DIGEST };
    const values = chartValues(
      sampleRedisConfig({ images: { ...DEFAULT_REDIS_IMAGES, redis } }),
      opts,
    );
    assert.deepEqual(values.image, {
      registry: "mirror.example.com",
      repository: "redis",
      tag: "",
      digest: DIGEST,
    });
    assert.equal(imageName(redis), `mirror.example.com/redis@${DIGEST}`);
    assert.equal((values.sentinel as { image: { digest: string } }).image.digest, "");
  });

  it("names the stack's pull secret for every image of the chart only when one is configured", () => {
    const without = chartValues(sampleRedisConfig(), opts);
    assert.equal(
      (without.global as { imagePullSecrets?: string[] } | undefined)?.imagePullSecrets,
      undefined,
    );
    const withSecret = chartValues(sampleRedisConfig({ imagePullSecret: true }), opts);
    assert.deepEqual((withSecret.global as { imagePullSecrets: string[] }).imagePullSecrets, [
      "redis-image-pull",
    ]);
  });
});
