/**
 * Your own TLS certificates for Redis and Sentinel (`redisTlsCertificate`, `redisTlsPrivateKey`,
 * `redisTlsCaCertificate`), instead of the ones the chart generates: the values, the checks the
 * config runs on them before anything is created, and the Secret they become (the chart's
 * `tls.existingSecret`).
 *
 * Why offer it: the chart's certificates come from its own throwaway CA and are valid for 365 days
 * (templates/tls-secret.yaml `genCA "redis-ca" 365`), and `common.secrets.lookup` keeps them
 * unchanged across upgrades, past their expiry too. A production stack issues them from its own
 * PKI and renews them with a `pulumi up`.
 *
 * The checks are the ones a TLS client makes, done up front so that a wrong certificate is a
 * config error naming the key rather than a cluster whose clients all fail their handshake: PEM
 * that parses, a key that belongs to the certificate, a chain up to the CA, dates that hold now,
 * and names that cover every host a client connects to (the Sentinel Service, each node as the
 * sentinels announce it, the master Service). Redis and Sentinel themselves check the chain of
 * their peers, not their names; the chart's health checks connect to `localhost`.
 */
import { createHash, createPrivateKey, KeyObject, X509Certificate } from "node:crypto";

/** The config keys, in the order the docs list them; all three or none. */
export const TLS_CERTIFICATE_KEYS = [
  "redisTlsCertificate",
  "redisTlsPrivateKey",
  "redisTlsCaCertificate",
] as const;

export type TlsCertificateKey = (typeof TLS_CERTIFICATE_KEYS)[number];

/** The file names in the Secret, which the chart's `tls.cert*Filename` values name. */
export const TLS_SECRET_FILES = Object.freeze({
  certificate: "tls.crt",
  privateKey: "tls.key",
  caCertificate: "ca.crt",
});

/** The Secret the stack makes from your certificates, in the release namespace. */
export function tlsSecretName(releaseName: string): string {
  return `${releaseName}-tls`;
}

/** The pod annotation that carries `tlsChecksum`. */
export const TLS_CHECKSUM_ANNOTATION = "andyredis/tls-checksum";

/**
 * A hash of the public parts (certificate chain and CA), as a pod annotation: Redis reads its
 * certificate at start, so a renewed one changes the pod template and the StatefulSet rolls the
 * pods through the preStop hooks. The key needs no part in it: a new key comes with a new
 * certificate, which the checks make sure of.
 */
export function tlsChecksum(certs: { certificate: string; caCertificate: string }): string {
  return createHash("sha256")
    .update(certs.certificate.trim())
    .update("\n")
    .update(certs.caCertificate.trim())
    .digest("hex");
}

/** The certificates as given (PEM text). */
export interface TlsCertificates {
  /** The server certificate, optionally followed by intermediates (PEM). */
  readonly certificate: string;
  /** The certificate's private key (PEM); a secret. */
  readonly privateKey: string;
  /** The CA the chain ends at, handed to clients as the `redisCaCertificate` output (PEM). */
  readonly caCertificate: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle, in order; a problem when there is none or one is broken. */
function parseBundle(pem: string): X509Certificate[] | string {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
  const certificates: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch (err) {
      return `certificate ${i + 1} of the PEM does not parse (${(err as Error).message})`;
    }
  }
  return certificates;
}

function datesProblem(cert: X509Certificate, what: string, now: Date): string | undefined {
  if (new Date(cert.validFrom) > now) return `${what} is not valid before ${cert.validFrom}`;
  if (new Date(cert.validTo) <= now) return `${what} expired on ${cert.validTo}`;
  return undefined;
}

/**
 * What is wrong with the certificates, per key (nothing: an empty list). `hosts` are the names a
 * client connects to; `now` the time the dates must hold at. The messages never quote the key.
 */
export function tlsCertificateProblems(
  given: Partial<TlsCertificates>,
  hosts: readonly string[],
  now: Date,
): { key: TlsCertificateKey; problem: string }[] {
  const byField: Record<keyof TlsCertificates, TlsCertificateKey> = {
    certificate: "redisTlsCertificate",
    privateKey: "redisTlsPrivateKey",
    caCertificate: "redisTlsCaCertificate",
  };
  const fields = Object.keys(byField) as (keyof TlsCertificates)[];
  const missing = fields.filter((f) => given[f] === undefined);
  if (missing.length === fields.length) return [];
  if (missing.length > 0) {
    return missing.map((f) => ({
      key: byField[f],
      problem: `is required with ${fields
        .filter((g) => !missing.includes(g))
        .map((g) => byField[g])
        .join(
          " and ",
        )}: give all of ${TLS_CERTIFICATE_KEYS.join(", ")}, or none for the chart's own certificates`,
    }));
  }
  const problems: { key: TlsCertificateKey; problem: string }[] = [];
  const chain = parseBundle(given.certificate as string);
  const caBundle = parseBundle(given.caCertificate as string);
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(given.privateKey as string);
  } catch {
    problems.push({
      key: "redisTlsPrivateKey",
      problem: "is not a private key in PEM (-----BEGIN PRIVATE KEY----- or the RSA/EC forms)",
    });
  }
  if (typeof chain === "string") problems.push({ key: "redisTlsCertificate", problem: chain });
  if (typeof caBundle === "string") {
    problems.push({ key: "redisTlsCaCertificate", problem: caBundle });
  }
  if (typeof chain === "string" || typeof caBundle === "string") return problems;

  const [leaf] = chain;
  const [ca] = caBundle;
  if (caBundle.length > 1) {
    problems.push({
      key: "redisTlsCaCertificate",
      problem: `holds ${caBundle.length} certificates; give the one CA the chain ends at (intermediates go after the server certificate in redisTlsCertificate)`,
    });
  }
  if (!ca.ca) {
    problems.push({
      key: "redisTlsCaCertificate",
      problem: `is not a CA certificate (no basicConstraints CA:TRUE): ${ca.subject}`,
    });
  }
  const caDates = datesProblem(ca, "the CA certificate", now);
  if (caDates !== undefined) problems.push({ key: "redisTlsCaCertificate", problem: caDates });

  if (key !== undefined && !leaf.checkPrivateKey(key)) {
    problems.push({
      key: "redisTlsPrivateKey",
      problem: "does not belong to redisTlsCertificate (the first certificate of its PEM)",
    });
  }
  chain.forEach((cert, i) => {
    const what = i === 0 ? "the server certificate" : `intermediate ${i}`;
    const dates = datesProblem(cert, what, now);
    if (dates !== undefined) problems.push({ key: "redisTlsCertificate", problem: dates });
    const issuer = i + 1 < chain.length ? chain[i + 1] : ca;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
      const by = i + 1 < chain.length ? `intermediate ${i + 1}` : "redisTlsCaCertificate";
      problems.push({
        key: "redisTlsCertificate",
        problem: `${what} (${cert.subject}) is not signed by ${by} (${issuer.subject}); put intermediates after the server certificate, in order`,
      });
    }
  });
  const uncovered = hosts.filter((host) => leaf.checkHost(host) === undefined);
  if (uncovered.length > 0) {
    problems.push({
      key: "redisTlsCertificate",
      problem: `does not cover ${uncovered.join(", ")}, which clients connect to; give it subject alternative names for them (e.g. DNS:${wildcardsFor(uncovered).join(", DNS:")})`,
    });
  }
  return problems;
}

/**
 * The subject alternative names that would cover these hosts: a wildcard for names that share
 * a parent domain (the nodes under the headless Service), the name itself otherwise.
 */
function wildcardsFor(hosts: readonly string[]): string[] {
  const parent = (host: string): string => host.slice(host.indexOf(".") + 1);
  return [
    ...new Set(
      hosts.map((h) =>
        hosts.filter((other) => parent(other) === parent(h)).length > 1 ? `*.${parent(h)}` : h,
      ),
    ),
  ];
}
