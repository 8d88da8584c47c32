// The JSON Schemas for editors: generated from the zod schemas, shipped in schema/, printed by
// `shim schema [--settings]`. The shipped files must be exactly what the code generates.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app/with-config-files.js';
import { schemaCommand } from '../../src/commands/schema.js';
import { SCHEMA_FILES, configJsonSchema, schemaText, settingsJsonSchema } from '../../src/config/json-schema.js';
import { SettingsSchema, TOOL_FIELDS, TOOL_NAME_RE } from '../../src/config/schema.js';

const REPO = path.resolve(import.meta.dirname, '../..');
type Schema = Record<string, any>;

const toolSchema = (): Schema => (configJsonSchema().patternProperties as Schema)[TOOL_NAME_RE.source];

function captureStdout(run: (app: App) => number): { status: number; out: string } {
  let out = '';
  const app = { stdout: (t: string) => (out += t) } as unknown as App;
  return { status: run(app), out };
}

describe('shipped schema files', () => {
  for (const which of ['config', 'settings'] as const) {
    it(`${SCHEMA_FILES[which]} is the generated schema`, () => {
      const file = path.join(REPO, SCHEMA_FILES[which]);
      const shipped = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      expect(shipped, `${SCHEMA_FILES[which]} is out of date: regenerate with "node scripts/schema.mjs" (or "npm run schema")`).toBe(schemaText(which));
    });
  }
});

describe('config schema', () => {
  const schema = configJsonSchema();

  it('is a draft-07 object keyed by tool name, with "$schema" allowed and nothing else', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.type).toBe('object');
    expect(schema.properties).toEqual({ $schema: expect.objectContaining({ type: 'string' }) });
    expect(Object.keys(schema.patternProperties as Schema)).toEqual([TOOL_NAME_RE.source]);
    expect(schema.additionalProperties).toBe(false);
    // the pattern must not admit "$schema" as a tool name
    expect(new RegExp(TOOL_NAME_RE.source).test('$schema')).toBe(false);
  });

  it('describes every tool field, requires none (later files may set any of them) and allows no others', () => {
    const tool = toolSchema();
    expect(Object.keys(tool.properties).sort()).toEqual([...TOOL_FIELDS].sort());
    for (const [key, prop] of Object.entries(tool.properties as Schema)) expect(prop.description, key).toMatch(/\w{3}/);
    expect(tool.required).toBeUndefined();
    expect(tool.additionalProperties).toBe(false);
    expect(tool.properties.mounts.items.required).toEqual(['src']);
    expect(tool.properties.mounts.items.additionalProperties).toBe(false);
    expect(tool.properties.limits.additionalProperties).toBe(false);
  });

  it('describes what a user writes (input), not what shim makes of it', () => {
    const tool = toolSchema();
    // env values: strings, numbers and booleans are written; the parsed form is always a string
    expect(tool.properties.env.additionalProperties.type).toEqual(['string', 'number', 'boolean']);
    expect(tool.properties.profile.enum).toEqual(['safe', 'default', 'dev']);
  });

  it('carries the same patterns as the zod schema', () => {
    const tool = toolSchema();
    const age = new RegExp(tool.properties.min_release_age.pattern);
    for (const ok of ['0', '3d', '12h', '2024-01-31']) expect(age.test(ok), ok).toBe(true);
    for (const bad of ['3 days', '-1d', '']) expect(age.test(bad), bad).toBe(false);
    const env = new RegExp(tool.properties.env_passthrough.items.pattern);
    expect(env.test('ANTHROPIC_API_KEY')).toBe(true);
    expect(env.test('AWS_*')).toBe(false);
  });
});

describe('settings schema', () => {
  it('has exactly the settings keys, each described, none required', () => {
    const schema = settingsJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(Object.keys(schema.properties as Schema).sort()).toEqual(Object.keys(SettingsSchema.shape).sort());
    for (const [key, prop] of Object.entries(schema.properties as Schema)) expect(prop.description, key).toMatch(/\w{3}/);
    expect(schema.required).toBeUndefined();
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('shim schema', () => {
  it('prints the config schema on stdout as JSON', () => {
    const { status, out } = captureStdout((app) => schemaCommand(app, {}));
    expect(status).toBe(0);
    expect(out).toBe(schemaText('config'));
    expect(JSON.parse(out)).toEqual(configJsonSchema());
  });

  it('--settings prints the settings schema', () => {
    const { status, out } = captureStdout((app) => schemaCommand(app, { settings: true }));
    expect(status).toBe(0);
    expect(JSON.parse(out)).toEqual(settingsJsonSchema());
    expect(out).not.toBe(schemaText('config'));
  });
});
