/**
 * Checks that every key path a values object sets exists in a chart's default values.yaml.
 * Helm ignores unknown keys without a word, so a misspelt or misplaced key (a `master.*` value
 * in sentinel mode, say) silently does nothing; this check makes it fail a test instead.
 *
 * Which parts of the defaults are "open" (any key allowed below them):
 * - an empty map (`podLabels: {}`, `nodeSelector: {}`, `resources: {}`, `extraArgs: {}`,
 *   `seLinuxOptions: {}`...): the chart passes such maps through (`toYaml`, `tplvalues.render`);
 * - a list (`extraEnvVars: []`, `topologySpreadConstraints: []`, `extraIngress: []`...): list
 *   items are Kubernetes objects, not chart keys;
 * - a null (a nullable object);
 * - a map whose name says it holds labels or annotations (`metrics.podAnnotations` defaults to
 *   two `prometheus.io/*` keys, yet takes any): names ending in `annotations` or `labels`
 *   (any case), `nodeSelector`, `matchLabels`.
 * Everything else is closed: a key the defaults do not have is reported, and so is every key
 * set below a default that is a scalar (a string, number or boolean cannot have children).
 */

type Tree = unknown;

function isMap(value: Tree): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Map names that are free-form whatever their default (see the module comment). */
const OPEN_NAME = /(annotations|labels|nodeSelector)$/i;

/** Whether everything below `reference` (found under key `name`) is free-form. */
export function isOpen(name: string, reference: Tree): boolean {
  if (reference === null || Array.isArray(reference)) {
    return true;
  }
  if (isMap(reference)) {
    return Object.keys(reference).length === 0 || OPEN_NAME.test(name);
  }
  return false;
}

/**
 * Every key path in `values` (dot-separated, e.g. `replica.persistence.size`) that the chart's
 * default values (`referenceValues`) do not have, in the order found. Empty when all are known.
 */
export function unknownKeyPaths(values: Tree, referenceValues: Tree): string[] {
  const unknown: string[] = [];
  const walk = (value: Tree, reference: Tree, path: string): void => {
    if (!isMap(value)) {
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path === "" ? key : `${path}.${key}`;
      if (!isMap(reference) || !Object.prototype.hasOwnProperty.call(reference, key)) {
        unknown.push(childPath);
        continue;
      }
      const referenceChild = reference[key];
      if (isOpen(key, referenceChild)) {
        continue;
      }
      if (isMap(child) && !isMap(referenceChild)) {
        // A map where the chart has a scalar: each of its keys is unknown.
        for (const grandchild of Object.keys(child)) {
          unknown.push(`${childPath}.${grandchild}`);
        }
        continue;
      }
      walk(child, referenceChild, childPath);
    }
  };
  walk(values, referenceValues, "");
  return unknown;
}
