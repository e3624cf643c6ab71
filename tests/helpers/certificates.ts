/**
 * Certificates for the `redisTlsCertificate` checks, made with openssl (as the local topology's):
 * a CA, optionally an intermediate, and a server certificate for the names given.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TestCertificates {
  readonly certificate: string;
  readonly privateKey: string;
  readonly caCertificate: string;
}

export interface CertificateOptions {
  /** Subject alternative names, e.g. `DNS:*.redis-headless.redis.svc.cluster.local`. */
  readonly altNames: readonly string[];
  /** Sign through an intermediate CA, which then follows the server certificate. */
  readonly intermediate?: boolean;
  readonly days?: number;
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
    const file = (name: string): string => path.join(dir, name);
    const openssl = (args: string[]): void => {
      execFileSync("openssl", args, { stdio: "ignore" });
    };
    const days = String(options.days ?? 30);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      ["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt")].concat([
        "-days",
        days,
        "-subj",
        "/CN=andyredis-test-ca",
      ]),
    );
    let signer = "ca";
    if (options.intermediate === true) {
      fs.writeFileSync(
        file("int.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n",
      );
      openssl(
        ["req", ...ec, "-keyout", file("int.key"), "-out", file("int.csr")].concat([
          "-subj",
          "/CN=andyredis-test-intermediate",
        ]),
      );
      openssl(
        ["x509", "-req", "-in", file("int.csr"), "-CA", file("ca.crt")].concat(
          ["-CAkey", file("ca.key"), "-CAcreateserial", "-out", file("int.crt")],
          ["-days", days, "-extfile", file("int.ext")],
        ),
      );
      signer = "int";
    }
    openssl(
      ["req", ...ec, "-keyout", file("tls.key"), "-out", file("tls.csr")].concat([
        "-subj",
        "/CN=redis",
      ]),
    );
    fs.writeFileSync(file("san.ext"), `subjectAltName=${options.altNames.join(",")}\n`);
    openssl(
      ["x509", "-req", "-in", file("tls.csr"), "-CA", file(`${signer}.crt`)].concat(
        ["-CAkey", file(`${signer}.key`), "-CAcreateserial", "-out", file("tls.crt")],
        ["-days", days, "-extfile", file("san.ext")],
      ),
    );
    const read = (name: string): string => fs.readFileSync(file(name), "utf8");
    return {
      certificate:
        options.intermediate === true ? read("tls.crt") + read("int.crt") : read("tls.crt"),
      privateKey: read("tls.key"),
      caCertificate: read("ca.crt"),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
