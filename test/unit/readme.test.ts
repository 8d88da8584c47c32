// The README's config reference is checked against the schema: every field a tool or settings.json
// accepts is documented there, so the reference cannot silently fall behind the validator.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsSchema, TOOL_FIELDS } from '../../src/config/schema.js';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe('README config reference', () => {
  it.each(TOOL_FIELDS)('documents the tool field %s in the fields table', (field) => {
    expect(readme).toContain(`| \`${field}\` |`);
  });

  it.each(Object.keys(SettingsSchema.shape).filter((k) => k !== '$schema'))('documents the setting %s', (key) => {
    expect(readme).toContain(`| \`${key}\` |`);
  });

  it('shows the two-command quick start and the test command', () => {
    expect(readme).toContain('npm run quickstart');
    expect(readme).toMatch(/^npm test /m);
  });
});
