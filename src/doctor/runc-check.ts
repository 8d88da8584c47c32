// `shim doctor`'s "runc" check: is the OCI runtime a runc affected by a known container-escape CVE?
// Upstream thresholds first; a distribution package whose changelog names a CVE carries its fix as a
// backport; a distribution build whose changelog does not say is "cannot tell" (a warning). Pure.
import type { Check, OciRuntimeFacts, PackageFacts, RuntimeFacts } from './model.js';
import { RUNC_ADVISORIES, formatVersion, looksLikeDistributionBuild, parseVersion, runcCves, upstreamVersionText } from './versions.js';

const THRESHOLDS = 'runc 1.1.12 fixes CVE-2024-21626; 1.2.8, 1.3.3 and 1.4.0-rc.2 fix CVE-2025-31133, CVE-2025-52565 and CVE-2025-52881';

const TRACKERS: Record<PackageFacts['manager'], (name: string) => string> = {
  dpkg: (name) => `https://security-tracker.debian.org/tracker/source-package/${name} (Ubuntu: https://ubuntu.com/security/cves?package=${name})`,
  rpm: (name) => `your distribution's advisories for ${name} (Fedora: https://bodhi.fedoraproject.org/updates/?packages=${name}; RHEL: https://access.redhat.com/security/)`,
};

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function ociName(oci: OciRuntimeFacts): string | undefined {
  if (oci.name) return oci.name;
  const m = /^\s*([a-z][a-z0-9-]*) version/i.exec(oci.version ?? '');
  return m?.[1]?.toLowerCase();
}

const plural = (list: readonly string[], one: string, many: string) => (list.length > 1 ? many : one);

/** The package, when it holds the binary that reported this version (its version starts with it). */
function matchingPackage(oci: OciRuntimeFacts): PackageFacts | undefined {
  const upstream = upstreamVersionText(oci.version ?? '');
  return oci.package && upstream && oci.package.version.startsWith(upstream) ? oci.package : undefined;
}

/** "runc": whether the OCI runtime is a runc affected by a known container-escape CVE. */
export function runcCheck(rt: RuntimeFacts): Check {
  if (!rt.found || rt.infoError !== undefined) return { id: 'runc', status: 'skip', message: 'no usable container runtime (see "runtime")' };
  const oci = rt.oci;
  const name = oci ? ociName(oci) : undefined;
  if (name && !/runc/.test(name)) {
    return { id: 'runc', status: 'pass', message: `${rt.name} uses ${name}${oci?.version ? ` ${upstreamVersionText(oci.version)}` : ''}, not runc: the runc container-escape CVEs do not apply` };
  }
  const version = parseVersion(oci?.version);
  if (!oci?.version || !version) {
    return {
      id: 'runc',
      status: 'warn',
      message: `could not determine the runc version${oci?.version ? ` from ${JSON.stringify(firstLine(oci.version))}` : ''}`,
      fix: `run "runc --version" and compare: ${THRESHOLDS}`,
    };
  }
  const affected = runcCves(version);
  const pkg = matchingPackage(oci);
  const shown = `runc ${upstreamVersionText(oci.version)}${pkg ? ` (${pkg.manager} package ${pkg.name} ${pkg.version})` : ` (from ${oci.source})`}`;
  if (!affected.length) return { id: 'runc', status: 'pass', message: `${shown}: not affected by ${RUNC_ADVISORIES.flatMap((a) => a.cves).join(', ')}` };
  if (pkg) {
    const backported = affected.filter((c) => pkg.cves.includes(c));
    const open = affected.filter((c) => !pkg.cves.includes(c));
    const fixedText = backported.length ? `its changelog (${pkg.changelog}) names backported fixes for ${backported.join(', ')}` : `its changelog (${pkg.changelog}) names no fix for them`;
    if (!open.length) return { id: 'runc', status: 'pass', message: `${shown}: older than the upstream fixes, but ${fixedText}` };
    return {
      id: 'runc',
      status: 'warn',
      message: `${shown}: upstream ${formatVersion(version)} is affected by ${open.join(', ')}; ${fixedText}${backported.length ? `, not for ${plural(open, 'that one', 'those')}` : ''}: cannot tell whether the distribution fixed ${plural(open, 'it', 'them')} another way or judged this build unaffected`,
      fix: `check ${TRACKERS[pkg.manager](pkg.name)}, and install the distribution's update when there is one (${THRESHOLDS})`,
    };
  }
  if (looksLikeDistributionBuild(oci.version)) {
    return {
      id: 'runc',
      status: 'warn',
      message: `${shown} is a distribution build: upstream ${formatVersion(version)} is affected by ${affected.join(', ')}, and without its package's changelog shim cannot tell which fixes were backported`,
      fix: `check your distribution's security tracker for runc (${THRESHOLDS})`,
    };
  }
  return {
    id: 'runc',
    status: 'fail',
    message: `${shown} is affected by container-escape ${plural(affected, 'CVE', 'CVEs')} ${affected.join(', ')}`,
    fix: `upgrade runc (${THRESHOLDS})`,
  };
}
