// What to say when an install failed: a certificate error in its output (a TLS-intercepting proxy
// whose CA the install container does not trust) gets its own message pointing at ca_bundle; anything
// else the caller's generic one. Pure.

/** Output lines that mean a TLS certificate could not be verified (curl, Node, Python, Go, Rust). */
const CERT_ERROR = /unable to get local issuer certificate|self[- ]signed certificate|certificate verify failed|\bCERT_[A-Z_]+|UNABLE_TO_(GET|VERIFY)_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|x509: certificate|invalid peer certificate|unknown ?issuer|SSL certificate problem/i;

export interface InstallFailure {
  /** The tool's name and its spec as configured ("npm:eslint"). */
  tool: { name: string; tool: string };
  /** The spec that was installed (may be an exact locked one). */
  spec: string;
  exitCode: number;
  /** The install's output (stderr and stdout). */
  output: string;
  /** The CA bundle given to the install (settings "ca_bundle" or SHIM_CA_BUNDLE), if any. */
  caBundle?: string | undefined;
}

/** The first output line that names a certificate error, or undefined. */
export function findCertificateError(output: string): string | undefined {
  return output.split('\n').find((l) => CERT_ERROR.test(l))?.trim();
}

/** The message and the hint of an install that failed on a certificate error, as [message, hint];
 *  undefined when its output shows none (the caller's generic message applies then). */
export function describeCertificateFailure(f: InstallFailure): [string, string] | undefined {
  const cert = findCertificateError(f.output);
  if (!cert) return undefined;
  const message = `installing ${f.tool.name} (${f.spec}) failed (exit ${f.exitCode}): a TLS certificate could not be verified (${cert.length > 160 ? `${cert.slice(0, 157)}…` : cert}); a proxy on this network that intercepts TLS causes this; the output is above`;
  const then = `then run "shim install ${f.tool.name}"`;
  const hint = f.caBundle
    ? `the CA bundle ${f.caBundle} does not hold the certificate authority that signed it: point "ca_bundle" in settings.json (or SHIM_CA_BUNDLE) at a PEM bundle that does (often the system's, e.g. /etc/ssl/certs/ca-certificates.crt, once the proxy's CA is installed there), ${then}`
    : `give shim the certificate authority of that proxy: set "ca_bundle" in settings.json (or SHIM_CA_BUNDLE) to a PEM bundle holding it (often the system's, e.g. /etc/ssl/certs/ca-certificates.crt), ${then}`;
  return [message, hint];
}

/** The helper's exit status when a companion package cannot work with the tool's locked version
 *  (containerfiles/install-tool.sh): its last "shim: " line names the conflict and what to pin. */
export const PEER_CONFLICT_EXIT = 6;

/** The message and hint of an install stopped by a peer conflict, or undefined for any other failure. */
export function describePeerConflict(f: InstallFailure): [string, string] | undefined {
  if (f.exitCode !== PEER_CONFLICT_EXIT) return undefined;
  const line = f.output.split('\n').reverse().find((l) => l.startsWith('shim: '));
  if (!line) return undefined;
  return [`installing ${f.tool.name} (${f.spec}): ${line.slice('shim: '.length)}`, `edit "packages" (or "tool") of ${f.tool.name}, then run "shim install ${f.tool.name}"`];
}
