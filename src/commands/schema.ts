// `shim schema [--settings]`: prints the JSON Schema of the tool config files (or of settings.json),
// generated from the same zod schemas shim validates with; the package ships the same text in schema/.
import type { App } from '../app/with-config-files.js';
import { schemaText } from '../config/json-schema.js';

export function schemaCommand(app: App, opts: { settings?: boolean } = {}): number {
  app.stdout(schemaText(opts.settings ? 'settings' : 'config'));
  return 0;
}
