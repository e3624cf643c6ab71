/**
 * Certificates made with openssl: a CA, optionally an intermediate, and a server certificate for
 * the names given. The local topology's TLS and the tests of `redisTlsCertificate` both use it.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The files of a CA and a server certificate. */
export interface CertificateFiles {
  readonly caFile: string;
  /** The server certificate, then the intermediate when there is one. */
  readonly certFile: string;
  readonly keyFile: string;
}

export interface CertificateOptions {
  /** Subject alternative names, e.g. `DNS:*.redis-headless.redis.svc.cluster.local`. */
  readonly altNames: readonly string[];
  /** The server certificate's common name. Default: `redis`. */
  readonly commonName?: string;
  /** The CA's common name. Default: `andyredis-test-ca`. */
  readonly caCommonName?: string;
  /** Sign through an intermediate CA, which then follows the server certificate. Default: false. */
  readonly intermediate?: boolean;
  /** Validity of every certificate, in days. Default: 30. */
  readonly days?: number;
}

/** Makes the certificates in `dir` (which must exist) and returns their files. */
export function makeCertificateFiles(dir: string, options: CertificateOptions): CertificateFiles {
  const file = (name: string): string => path.join(dir, name);
  const openssl = (args: string[]): void => {
    execFileSync("openssl", args, { stdio: "ignore" });
  };
  const days = ["-days", String(options.days ?? 30)];
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const sign = (name: string, signer: string, extensions: string): void => {
    fs.writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      ["x509", "-req", "-in", file(`${name}.csr`), "-CA", file(`${signer}.crt`)].concat(
        ["-CAkey", file(`${signer}.key`), "-CAcreateserial", "-out", file(`${name}.crt`)],
        [...days, "-extfile", file(`${name}.ext`)],
      ),
    );
  };
  const request = (name: string, commonName: string): void => {
    openssl(
      ["req", ...ec, "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`)].concat([
        "-subj",
        `/CN=${commonName}`,
      ]),
    );
  };

  openssl(
    ["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt")].concat(days, [
      "-subj",
      `/CN=${options.caCommonName ?? "andyredis-test-ca"}`,
    ]),
  );
  let signer = "ca";
  if (options.intermediate === true) {
    request("int", "andyredis-test-intermediate");
    sign("int", "ca", "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n");
    signer = "int";
  }
  request("tls", options.commonName ?? "redis");
  sign("tls", signer, `subjectAltName=${options.altNames.join(",")}\n`);
  if (options.intermediate === true) {
    fs.appendFileSync(file("tls.crt"), fs.readFileSync(file("int.crt")));
  }
  return { caFile: file("ca.crt"), certFile: file("tls.crt"), keyFile: file("tls.key") };
}
