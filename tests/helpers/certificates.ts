/**
 * Certificates for the `redisTlsCertificate` checks, as PEM strings: made with openssl by the same
 * code as the local topology's (lib/topology/io/certificates.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CertificateOptions, makeCertificateFiles } from "../../lib/topology/io/certificates";

export interface TestCertificates {
  readonly certificate: string;
  readonly privateKey: string;
  readonly caCertificate: string;
}

/** The names the default clusterOnly config's clients connect to (release and namespace "redis"). */
export const DEFAULT_ALT_NAMES = [
  "DNS:redis.redis.svc.cluster.local",
  "DNS:*.redis-headless.redis.svc.cluster.local",
  "DNS:redis-master.redis.svc.cluster.local",
  "DNS:localhost",
  "IP:127.0.0.1",
];

export function makeCertificates(options: CertificateOptions): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "andyredis-certs-"));
  try {
    const files = makeCertificateFiles(dir, options);
    return {
      certificate: fs.readFileSync(files.certFile, "utf8"),
      privateKey: fs.readFileSync(files.keyFile, "utf8"),
      caCertificate: fs.readFileSync(files.caFile, "utf8"),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
