// The drop-in `shim allow` writes: the tool's whole list (arrays replace), recomputed from the user's
// own list each time, the hosts it added recorded; and the unified diff it prints.
import { describe, expect, it } from 'vitest';
import { validateToolObject } from '../../src/config/load.js';
import { parseJsonc } from '../../src/config/jsonc.js';
import { allowDropInName, planAllowDropIn, readAllowDropIn, renderAllowDropIn, type AllowRequest } from '../../src/plan/allow-drop-in.js';
import { formatUnifiedDiff } from '../../src/plan/text-diff.js';

const LABEL = 'config.d/50-allow-claude.json';
const req = (over: Partial<AllowRequest>): AllowRequest => ({ tool: 'claude', base: ['api.anthropic.com'], hosts: [], label: LABEL, ...over });
/** The drop-in a previous call wrote, read back as the command would. */
function existing(text: string) {
  const content = readAllowDropIn(text, 'claude');
  if (typeof content === 'string') throw new Error(content);
  return { text, content };
}

describe('planAllowDropIn', () => {
  it('a first call: the user list plus the new hosts, the new ones recorded, a diff from /dev/null', () => {
    const plan = planAllowDropIn(req({ hosts: ['platform.claude.com', 'registry.example.com:8443'] }));
    expect(plan.allowedHosts).toEqual(['api.anthropic.com', 'platform.claude.com', 'registry.example.com:8443']);
    expect(plan.added).toEqual(['platform.claude.com', 'registry.example.com:8443']);
    expect(plan.addedByShim).toEqual(plan.added);
    expect(plan.changed).toBe(true);
    expect(plan.stale).toBe(false);
    expect(plan.text).toContain('// shim-allow-added: ["platform.claude.com","registry.example.com:8443"]\n');
    expect(plan.diff.split('\n').slice(0, 3)).toEqual(['--- /dev/null', `+++ ${LABEL}`, '@@ -0,0 +1,14 @@']);
    expect(plan.diff.split('\n').slice(3, -1).every((l) => l.startsWith('+'))).toBe(true);
  });

  it('the text is a valid config layer whose list is the whole list', () => {
    const plan = planAllowDropIn(req({ hosts: ['platform.claude.com'] }));
    const { value, error } = parseJsonc(plan.text);
    expect(error).toBeUndefined();
    const layer = validateToolObject(LABEL, value as Record<string, unknown>);
    if ('messages' in layer) throw new Error(layer.messages.join('\n'));
    expect(layer.tools.get('claude')).toEqual({ allowed_hosts: ['api.anthropic.com', 'platform.claude.com'] });
  });

  it('the same hosts again: no change, nothing added, reported as already allowed', () => {
    const first = planAllowDropIn(req({ hosts: ['platform.claude.com'] }));
    const again = planAllowDropIn(req({ hosts: ['platform.claude.com'], existing: existing(first.text) }));
    expect(again).toMatchObject({ changed: false, added: [], alreadyAllowed: ['platform.claude.com'], diff: '', stale: false });
    expect(again.text).toBe(first.text);
  });

  it('a host already in the user list, or covered by a wildcard with the same port, is not added', () => {
    const plan = planAllowDropIn(req({ base: ['api.anthropic.com', '*.example.com'], hosts: ['api.anthropic.com', 'cdn.example.com', 'cdn.example.com:8443', 'cdn.example.com'] }));
    expect(plan.alreadyAllowed).toEqual(['api.anthropic.com', 'cdn.example.com']);
    expect(plan.added).toEqual(['cdn.example.com:8443']);
  });

  it('a later call keeps what earlier calls added and adds its own', () => {
    const first = planAllowDropIn(req({ hosts: ['platform.claude.com'] }));
    const second = planAllowDropIn(req({ hosts: ['claude.ai'], existing: existing(first.text) }));
    expect(second.allowedHosts).toEqual(['api.anthropic.com', 'platform.claude.com', 'claude.ai']);
    expect(second.addedByShim).toEqual(['platform.claude.com', 'claude.ai']);
    expect(second.diff).toContain('-// shim-allow-added: ["platform.claude.com"]\n+// shim-allow-added: ["platform.claude.com","claude.ai"]\n');
    expect(second.diff).toContain('-      "platform.claude.com"\n+      "platform.claude.com",\n+      "claude.ai"\n');
  });

  it('an edit of the user list (a host removed, one added) is stale in the old drop-in and folded in by the next call', () => {
    const first = planAllowDropIn(req({ base: ['api.anthropic.com', 'old.example.com'], hosts: ['platform.claude.com'] }));
    const next = planAllowDropIn(req({ base: ['api.anthropic.com', 'new.example.com'], existing: existing(first.text) }));
    expect(next.stale).toBe(true);
    expect(next.changed).toBe(true);
    // the removed host is gone (the user removed it), the one shim allow added stays
    expect(next.allowedHosts).toEqual(['api.anthropic.com', 'new.example.com', 'platform.claude.com']);
    expect(next.added).toEqual([]);
  });

  it('a host the user later lists themselves is no longer recorded as added by shim allow', () => {
    const first = planAllowDropIn(req({ hosts: ['platform.claude.com'] }));
    const next = planAllowDropIn(req({ base: ['api.anthropic.com', 'platform.claude.com'], existing: existing(first.text) }));
    expect(next.addedByShim).toEqual([]);
    expect(next.allowedHosts).toEqual(['api.anthropic.com', 'platform.claude.com']);
  });

  it('a drop-in whose record line is gone: every host beyond the user list counts as added', () => {
    const text = `{ "claude": { "allowed_hosts": ["api.anthropic.com", "platform.claude.com"] } }\n`;
    const next = planAllowDropIn(req({ hosts: ['claude.ai'], existing: existing(text) }));
    expect(next.addedByShim).toEqual(['platform.claude.com', 'claude.ai']);
    expect(next.stale).toBe(false);
  });
});

describe('readAllowDropIn', () => {
  it('reads back what renderAllowDropIn writes', () => {
    expect(readAllowDropIn(renderAllowDropIn('claude', ['a.example.com', 'b.example.com'], ['b.example.com']), 'claude')).toEqual({ list: ['a.example.com', 'b.example.com'], added: ['b.example.com'] });
  });

  it.each([
    ['{ "claude": ', /^is not valid JSON \(line 1/],
    ['[]', /^is not a JSON object/],
    ['{ "claude": { "allowed_hosts": [] }, "eslint": { "tool": "npm:eslint" } }', /^holds more than shim allow writes \("eslint"\)/],
    ['{ "claude": { "allowed_hosts": [], "network": "bridge" } }', /^holds more than "claude": \{ "allowed_hosts"/],
    ['{ "claude": { "allowed_hosts": ["Not A Host"] } }', /^does not hold a list of valid hosts/],
  ])('refuses %s', (text, why) => expect(readAllowDropIn(text, 'claude')).toMatch(why));

  it('ignores a broken record line', () => {
    expect(readAllowDropIn('// shim-allow-added: [oops\n{ "claude": { "allowed_hosts": ["a.example.com"] } }', 'claude')).toEqual({ list: ['a.example.com'] });
  });
});

describe('formatUnifiedDiff', () => {
  it('equal texts: empty', () => expect(formatUnifiedDiff('a\n', 'a\n', 'f')).toBe(''));
  it('a changed line: removal before addition, context kept', () => {
    expect(formatUnifiedDiff('a\nb\nc\n', 'a\nB\nc\n', 'f')).toBe('--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
  });
  it('a new file', () => expect(formatUnifiedDiff(undefined, 'x\n', 'f')).toBe('--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+x\n'));
});

it('the drop-in sorts after the usual early drop-ins and before late ones', () => {
  expect([allowDropInName('claude'), '10-base.json', '90-local.json', '20-x.json'].sort()).toEqual(['10-base.json', '20-x.json', '50-allow-claude.json', '90-local.json']);
});
