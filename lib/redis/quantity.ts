/**
 * Kubernetes resource quantities (`3Gi`, `500m`, `1.5`), parsed just enough to size `maxmemory`
 * and to compare requests with limits. Pure.
 */

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** The value of a quantity in base units (bytes, cores), or undefined if it does not parse. */
export function parseQuantity(quantity: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/.exec(quantity);
  if (!match) {
    return undefined;
  }
  const amount = Number(match[1]);
  const suffix = match[2] ?? "";
  if (suffix === "m") {
    return amount / 1000;
  }
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return factor === undefined ? undefined : amount * factor;
}
