// `shim doctor`'s output: the checks as ✓/✗/!/– lines for a person, or as JSON.
import { doctorOk } from './checks.js';
import type { Check, CheckStatus } from './model.js';

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '–' };

/** ✓/✗/!/– lines, continuation lines indented, a "fix:" line under each failure and warning. */
export function formatHuman(checks: readonly Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    const [first, ...rest] = c.message.split('\n');
    lines.push(`${MARK[c.status]} ${c.id}: ${first}`);
    for (const r of rest) lines.push(`    ${r}`);
    if (c.fix && (c.status === 'fail' || c.status === 'warn')) lines.push(`  fix: ${c.fix}`);
  }
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const failed = count('fail');
  const warned = count('warn');
  const warnings = `${warned} warning${warned === 1 ? '' : 's'}`;
  lines.push('', failed ? `${failed} of ${checks.length} checks failed${warned ? `, ${warnings}` : ''}` : `no check failed${warned ? ` (${warnings})` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** {"ok", "checks"} as indented JSON. */
export function formatJson(checks: readonly Check[]): string {
  return `${JSON.stringify({ ok: doctorOk(checks), checks }, null, 2)}\n`;
}
