// The distribution package that holds a binary (dpkg or rpm): its name, version and the CVE ids its
// changelog names. Distributions backport fixes without changing the upstream version (Debian 12's
// runc 1.1.5+ds1-1+deb12u1 fixes CVE-2024-21626), so doctor reads the changelog before judging.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Captured } from '../runtime/exec.js';
import type { PackageFacts } from './model.js';
import { changelogCves } from './versions.js';

type Run = (file: string, argv: readonly string[]) => Promise<Captured | { error: string }>;

const ok = (out: Captured | { error: string }): string | undefined => ('error' in out || out.exitCode !== 0 ? undefined : out.stdout.trim() || undefined);

function realOrSelf(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/** The installed Debian changelog of a package (compressed or not), or undefined. */
function readDebianChangelog(name: string, docRoot: string): { file: string; text: string } | undefined {
  for (const base of ['changelog.Debian.gz', 'changelog.Debian']) {
    const file = path.join(docRoot, name, base);
    try {
      const raw = fs.readFileSync(file);
      return { file, text: (base.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8') };
    } catch {
      // try the next name
    }
  }
  return undefined;
}

async function dpkgFacts(binary: string, run: Run, docRoot: string): Promise<PackageFacts | undefined> {
  const owner = ok(await run('dpkg-query', ['-S', binary]));
  // "runc: /usr/sbin/runc" (or "runc:amd64: …")
  const name = owner?.split('\n')[0]?.split(':')[0]?.trim();
  if (!name) return undefined;
  const version = ok(await run('dpkg-query', ['-W', '-f', '${Version}', name]));
  const changelog = readDebianChangelog(name, docRoot);
  if (!version || !changelog) return undefined;
  return { manager: 'dpkg', name, version, changelog: changelog.file, cves: changelogCves(changelog.text) };
}

async function rpmFacts(binary: string, run: Run): Promise<PackageFacts | undefined> {
  const owner = ok(await run('rpm', ['-qf', '--qf', '%{NAME}\\t%{VERSION}-%{RELEASE}\\n', binary]));
  const [name, version] = owner?.split('\n')[0]?.split('\t') ?? [];
  if (!name || !version) return undefined;
  const changelog = ok(await run('rpm', ['-q', '--changelog', name]));
  if (!changelog) return undefined;
  return { manager: 'rpm', name, version, changelog: `rpm -q --changelog ${name}`, cves: changelogCves(changelog) };
}

/** The package owning `binary` (symlinks resolved), or undefined when no package manager knows it. */
export async function loadPackageFacts(binary: string, run: Run, docRoot = '/usr/share/doc'): Promise<PackageFacts | undefined> {
  const real = realOrSelf(binary);
  return (await dpkgFacts(real, run, docRoot)) ?? (await rpmFacts(real, run));
}
