// The per-run certificate authority of credential brokering: created in the proxy process, its private
// key non-extractable (WebCrypto), so it never leaves the proxy's memory. Only its certificate is handed
// out (to shim, which puts it in the container's trust store). Leaf certificates are issued on demand,
// one per bound host, and cached for the run.
import { randomBytes, webcrypto } from 'node:crypto';
import net from 'node:net';
// tsyringe (a dependency of @peculiar/x509) needs the Reflect metadata API loaded first
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as webcrypto.Crypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR_MS = 3600_000;
/** A run lasts as long as the tool does; a week covers any agent session (and the CA dies with the run). */
const VALIDITY_MS = 7 * 24 * HOUR_MS;

export interface LeafCertificate {
  cert: string;
  key: string;
}

export interface RunCa {
  /** The CA certificate (PEM): the only part that leaves the proxy. */
  certPem: string;
  /** A certificate for `host` (a DNS name or an IP literal), signed by the CA. */
  issue(host: string): Promise<LeafCertificate>;
}

const serial = () => `01${randomBytes(15).toString('hex')}`;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

/** Creates the CA of one run (name: the tool, for a readable subject). */
export async function createRunCa(tool: string, now: Date = new Date()): Promise<RunCa> {
  const subtle = webcrypto.subtle;
  const notBefore = new Date(now.getTime() - HOUR_MS);
  const notAfter = new Date(now.getTime() + VALIDITY_MS);
  // the CA's private key can sign and nothing else: not extractable, not exportable
  const caKeys = (await subtle.generateKey(ALG, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cn = `shim run CA (${tool.replace(/[^A-Za-z0-9._+-]/g, '_')}) ${randomBytes(4).toString('hex')}`;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [cn] }, { O: ['shim credential broker'] }],
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  // one leaf key for every host of the run (exported once, for node:tls)
  const leafKeys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const leafKeyPem = toPem(await subtle.exportKey('pkcs8', leafKeys.privateKey), 'PRIVATE KEY');
  const authorityKeyId = await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey);
  const cache = new Map<string, Promise<LeafCertificate>>();
  const issue = async (host: string): Promise<LeafCertificate> => {
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: [{ CN: [host] }],
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: net.isIP(host) ? 'ip' : 'dns', value: host }]),
        authorityKeyId,
      ],
    });
    return { cert: leaf.toString('pem'), key: leafKeyPem };
  };
  return {
    certPem: ca.toString('pem'),
    issue(host) {
      let leaf = cache.get(host);
      if (!leaf) cache.set(host, (leaf = issue(host)));
      return leaf;
    },
  };
}
