/**
 * Container images for the Bitnami redis chart 23.1.1, and a pure copy of the chart's own image
 * check, so that the program knows before `helm install` whether the chart would refuse to render.
 *
 * Since August 2025 Bitnami no longer publishes versioned free images under `docker.io/bitnami/`;
 * the same builds remain, frozen, under `docker.io/bitnamilegacy/`. The defaults below are the
 * exact builds chart 23.1.1 pins (its `Chart.yaml` `images` annotation and `values.yaml`), taken
 * from `bitnamilegacy`. Every one can be pointed at a mirror through the stack config.
 */
import { ImageRef, RedisImages } from "../config/configTypes";

/** Every image block of the chart that its image check looks at. */
export type RedisChartImages = RedisImages;

/** The registry-side name chart 23.1.1 pins for each image, under `bitnamilegacy`. */
export const DEFAULT_REDIS_IMAGES: RedisChartImages = Object.freeze({
  redis: { registry: "docker.io", repository: "bitnamilegacy/redis", tag: "8.2.1-debian-12-r0" },
  sentinel: {
    registry: "docker.io",
    repository: "bitnamilegacy/redis-sentinel",
    tag: "8.2.1-debian-12-r0",
  },
  metrics: {
    registry: "docker.io",
    repository: "bitnamilegacy/redis-exporter",
    tag: "1.76.0-debian-12-r0",
  },
  osShell: { registry: "docker.io", repository: "bitnamilegacy/os-shell", tag: "12-debian-12-r51" },
  kubectl: {
    registry: "docker.io",
    repository: "bitnamilegacy/kubectl",
    tag: "1.33.4-debian-12-r0",
  },
});

/**
 * The chart's `Chart.yaml` `annotations.images` of 23.1.1, verbatim in content: the list the
 * chart's `common.errors.insecureImages` compares every image against (as one string).
 */
export const CHART_ORIGINAL_IMAGES: readonly string[] = Object.freeze([
  "docker.io/bitnami/kubectl:1.33.4-debian-12-r0",
  "docker.io/bitnami/os-shell:12-debian-12-r51",
  "docker.io/bitnami/redis:8.2.1-debian-12-r0",
  "docker.io/bitnami/redis-exporter:1.76.0-debian-12-r0",
  "docker.io/bitnami/redis-sentinel:8.2.1-debian-12-r0",
]);

/** What the chart's image check does with a set of images. */
export type ChartImageVerdict =
  /** All images are the chart's own (at most retagged): no error. */
  | "original"
  /** Only `docker.io/bitnamilegacy/*` substitutions: a warning in the notes, the install goes on. */
  | "warning"
  /** Relocated (other registry) or replaced (other repository) images: `helm install` fails. */
  | "rejected";

/**
 * A pure copy of `common.errors.insecureImages` in bitnami/common 2.31.4 (the version chart
 * 23.1.1's Chart.lock pins), as called from the chart's NOTES.txt with the images `image`,
 * `sentinel.image`, `metrics.image`, `volumePermissions.image`, `kubectl.image` and
 * `sysctl.image` (all six, whether or not the container is enabled). For each image, with
 * `global.imageRegistry` (unset here) taking precedence over its registry:
 * - `registry/repository` found (as a substring) in the annotation: fine;
 * - else the registry not found in the annotation: "relocated";
 * - else the repository not found: "replaced", and also "legacy" when it is
 *   `docker.io/bitnamilegacy/...`.
 * Relocated or non-legacy replaced images make the chart `fail` unless
 * `global.security.allowInsecureImages` is true; only-legacy replacements print a warning.
 */
export function chartImageVerdict(images: readonly ImageRef[]): ChartImageVerdict {
  const original = CHART_ORIGINAL_IMAGES.join("\n");
  let relocated = 0;
  let replaced = 0;
  let legacy = 0;
  for (const image of images) {
    const noTag = `${image.registry}/${image.repository}`;
    if (original.includes(noTag)) {
      continue;
    }
    if (!original.includes(image.registry)) {
      relocated += 1;
    } else if (!original.includes(image.repository)) {
      replaced += 1;
      if (noTag.includes("docker.io/bitnamilegacy/")) {
        legacy += 1;
      }
    }
  }
  if (relocated === 0 && replaced === 0) {
    return "original";
  }
  return relocated === 0 && replaced === legacy ? "warning" : "rejected";
}

/** The six image blocks the chart checks, as this project fills them (see `chartValues`). */
export function checkedChartImages(images: RedisChartImages): ImageRef[] {
  return [
    images.redis, // image
    images.sentinel, // sentinel.image
    images.metrics, // metrics.image
    images.osShell, // volumePermissions.image
    images.kubectl, // kubectl.image
    images.osShell, // sysctl.image
  ];
}

/**
 * Whether `global.security.allowInsecureImages` must be set for these images to render: true
 * exactly when the chart's check would reject them. The `bitnamilegacy` defaults do NOT need it
 * (the check only warns for them).
 */
export function imagesNeedInsecureFlag(images: RedisChartImages): boolean {
  return chartImageVerdict(checkedChartImages(images)) === "rejected";
}

/** `registry/repository:tag`, or `registry/repository@digest`, as the chart renders it. */
export function imageName(image: ImageRef): string {
  return image.digest === undefined
    ? `${image.registry}/${image.repository}:${image.tag}`
    : `${image.registry}/${image.repository}@${image.digest}`;
}

/** The frozen Redis 8.2.1 builds of the defaults (under any registry: a mirror copies them). */
const FROZEN_REDIS_TAG = "8.2.1-debian-12-r0";

/** The CVEs of Redis 8.2.1 that 8.2.2 fixes. */
export const FROZEN_DEFAULT_CVES: readonly string[] = Object.freeze([
  "CVE-2025-49844 (Lua use-after-free, remote code execution, CVSS 10.0)",
  "CVE-2025-46817",
  "CVE-2025-46818",
  "CVE-2025-46819",
]);

/**
 * The one warning `pulumi up` prints while the frozen defaults run Redis or Sentinel, or
 * undefined once both images are something else (another tag, or any digest).
 */
export function frozenImagesWarning(images: RedisChartImages): string | undefined {
  const frozen = [images.redis, images.sentinel].filter(
    (i) => i.digest === undefined && i.tag === FROZEN_REDIS_TAG,
  );
  if (frozen.length === 0) return undefined;
  return (
    `${frozen.map(imageName).join(" and ")}: the frozen bitnamilegacy builds of Redis 8.2.1, which get no security fixes and are affected by ${FROZEN_DEFAULT_CVES.join(", ")}, fixed in Redis 8.2.2. ` +
    "The application user cannot run Lua (redisAllowScripting is off by default), which closes the Lua path, but move to maintained images: " +
    'set andyredis:redisImages (redis, sentinel; by tag or @sha256 digest) and, for a private mirror or a commercial source, andyredis:redisImageRegistry and andyredis:redisImagePullSecret (docs/redis.md, "Images")'
  );
}
