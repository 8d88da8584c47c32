// What every refused probe of the adversarial suite must leave behind: nothing. No container of the
// tool (running or stopped) and no install volume.
import { expect } from 'vitest';
import { toolVolumes, type Sandbox } from '../e2e/harness.js';

export async function expectNothingStarted(sb: Sandbox, tool: string): Promise<void> {
  const ps = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${tool}`, '--format', '{{.Names}}']);
  expect(ps.exitCode).toBe(0);
  expect(ps.stdout.trim()).toBe('');
  expect(await toolVolumes(sb, [tool])).toEqual([]);
}
