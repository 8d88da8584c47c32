// Which allow-list hosts are not the public internet: the user's own machine, their networks, the cloud
// metadata service. `shim suggest` never proposes them and `shim allow` refuses them without --force:
// a tool that keeps asking for 169.254.169.254 or 127.0.0.1:6379 is probing, not broken, and one
// "allow" would let it read cloud credentials or talk to local services. (The proxy itself refuses a
// *name* that resolves to such an address; an IP literal listed in allowed_hosts is dialled as written.)
import { isIP } from 'node:net';
import { forbiddenAddressReason } from './addresses.js';

// well-known addresses of cloud metadata services (AWS, GCP and Azure share the first; AWS's IPv6 one;
// Alibaba's), named as such rather than by their range
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);
// suffixes that never name a public host: [suffix, what it is]
const LOCAL_SUFFIXES: [string, string][] = [
  ['localhost', 'loopback (every *.localhost name is this machine, RFC 6761)'],
  ['internal', 'a cloud- or network-internal name (.internal)'],
  ['local', 'a link-local mDNS name (.local)'],
  ['home.arpa', 'a home-network name (.home.arpa, RFC 8375)'],
  ['localdomain', 'a local network name (.localdomain)'],
  ['lan', 'a local network name (.lan)'],
  ['intranet', 'a local network name (.intranet)'],
  ['corp', 'a private network name (.corp)'],
];

/** The host of an allowed_hosts entry or of an audit record: without "*.", port or IPv6 brackets. */
export function entryHost(entry: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!.toLowerCase();
  // an IPv6 literal has several colons; a host:port has one
  const host = entry.split(':').length === 2 ? entry.slice(0, entry.lastIndexOf(':')) : entry;
  return host.replace(/^\*\./, '').replace(/\.$/, '').toLowerCase();
}

function addressReason(address: string): string | undefined {
  if (METADATA_ADDRESSES.has(address)) return 'the cloud metadata service (it hands out the machine\'s cloud credentials)';
  const reason = forbiddenAddressReason(address);
  return reason ? `${/^[aeiou]/i.test(reason) ? 'an' : 'a'} ${reason} address` : undefined;
}

/** What `entry` reaches when it is not the public internet ("loopback", "the cloud metadata service"…),
 *  or undefined for a public host. `entry` is an allowed_hosts entry or a host from the audit log. */
export function nonPublicReason(entry: string): string | undefined {
  const host = entryHost(entry);
  if (isIP(host)) return addressReason(host);
  if (METADATA_NAMES.has(host)) return 'the cloud metadata service (it hands out the machine\'s cloud credentials)';
  if (LOOPBACK_NAMES.has(host)) return 'loopback (this machine)';
  for (const [suffix, what] of LOCAL_SUFFIXES) if (host === suffix || host.endsWith(`.${suffix}`)) return what;
  const labels = host.split('.');
  // "127.1", "2130706433", "0x7f000001": resolvers and URL parsers read a numeric last label as IPv4
  if (/^(0x[0-9a-f]*|[0-9]+)$/.test(labels.at(-1)!)) return 'an IPv4 address in disguise (a numeric name)';
  if (labels.length === 1) return 'a single-label name (resolved through the local network\'s search domains)';
  return undefined;
}
