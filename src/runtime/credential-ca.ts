// Writes the run's CA files into the proxy's socket directory (mounted read-only in the container at
// /run/shim), where the CA variables of plan/credentials.ts point: the CA alone (with the host
// ca_bundle) for NODE_EXTRA_CA_CERTS, which adds to Node's store, and a whole bundle (Node's root store,
// the host ca_bundle, the run's CA) for the variables that replace a client's store, so hosts without
// credentials keep working.
import fs from 'node:fs';
import path from 'node:path';
import { CREDENTIAL_BUNDLE_FILE, CREDENTIAL_CA_FILE } from '../plan/credentials.js';

const pem = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/** Writes ca.pem and ca-bundle.pem (0644 in the run's private 0700 directory). node:tls is loaded here,
 *  not with the module: a tool link that brokers no credential never needs it. */
export async function writeCredentialCa(dir: string, caPem: string, hostBundle: string | undefined): Promise<void> {
  const tls = await import('node:tls');
  const extra = hostBundle ? pem(hostBundle) : '';
  fs.writeFileSync(path.join(dir, CREDENTIAL_CA_FILE), `${pem(caPem)}${extra}`, { mode: 0o644, flag: 'wx' });
  fs.writeFileSync(path.join(dir, CREDENTIAL_BUNDLE_FILE), `${tls.rootCertificates.map(pem).join('')}${extra}${pem(caPem)}`, { mode: 0o644, flag: 'wx' });
}
