// `shim init`: writes a starter config.json from the shipped config.sample.json, with a "$schema" key
// pointing at the schema file of this installed copy of shim. Never overwrites anything; asks one
// yes/no question only when stdin is a terminal.
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { pathToFileURL } from 'node:url';
import { applyEdits, modify } from 'jsonc-parser';
import type { App } from '../app/with-config-files.js';
import { SCHEMA_FILES } from '../config/json-schema.js';
import { loadToolFile } from '../config/load.js';
import { ShimError, ExitCode } from '../errors.js';

export interface InitDeps {
  /** Asks a question on the terminal and returns the answer (default: readline on stdin/stderr). */
  ask?: (question: string) => Promise<string | undefined>;
}

/** The shipped sample's location in this installed copy of shim. */
export const samplePath = (app: App) => path.join(app.host.packageRoot, 'config.sample.json');

/** The "$schema" value written into a new config: the shipped schema of this installed copy, as a file:// URL. */
export const schemaUrl = (app: App) => pathToFileURL(path.join(app.host.packageRoot, SCHEMA_FILES.config)).href;

/** The sample's text with "$schema" set as its first key; its comments and layout are kept. */
export function starterConfig(sampleText: string, schema: string): string {
  const edits = modify(sampleText, ['$schema'], schema, {
    formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' },
    getInsertionIndex: () => 0,
  });
  return applyEdits(sampleText, edits);
}

async function askOnTerminal(question: string): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    // Ctrl-D closes the interface without an answer: that is a "no"
    return await new Promise<string | undefined>((resolve) => {
      rl.once('close', () => resolve(undefined));
      rl.question(question).then(resolve, () => resolve(undefined));
    });
  } finally {
    rl.close();
  }
}

const tilde = (file: string, home: string) => (file === home || file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file);

export async function initCommand(app: App, deps: InitDeps = {}): Promise<number> {
  const target = app.paths.configFile;
  const shown = tilde(target, app.host.home);
  const sample = samplePath(app);
  const alreadyThere = () => {
    app.reporter.error(`${shown} already exists; shim init never overwrites it`, `the sample is ${sample} (e.g. diff ${shown} ${sample}); copy what you need by hand`);
    return 1;
  };
  // lstat: a link (even a dangling one) counts as existing; writing through it could land anywhere
  if (fs.lstatSync(target, { throwIfNoEntry: false })) return alreadyThere();

  let text: string;
  try {
    text = starterConfig(fs.readFileSync(sample, 'utf8'), schemaUrl(app));
  } catch (e) {
    throw new ShimError(`cannot read the sample config ${sample}: ${(e as Error).message}`, ExitCode.launcherFailed, 'reinstall shim: the package ships config.sample.json');
  }

  if (app.host.stdinIsTTY) {
    const answer = (await (deps.ask ?? askOnTerminal)(`write ${shown}? [Y/n] `))?.trim().toLowerCase();
    if (answer === undefined || !['', 'y', 'yes'].includes(answer)) {
      app.reporter.info('nothing written');
      return 1;
    }
  }

  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  try {
    // "wx": created here or not at all, even if another process made the file since the check above
    fs.writeFileSync(target, text, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return alreadyThere();
    throw e;
  }

  const loaded = loadToolFile(target);
  const tools = 'messages' in loaded ? loaded.tools : [...loaded.tools.keys()];
  app.reporter.info(`wrote ${shown}: ${tools.length} tools (${tools.join(', ')}), from ${sample}`);
  if ('messages' in loaded) {
    // only possible with a broken package: the shipped sample is checked by shim's tests
    app.reporter.warn(`the new file does not validate: ${loaded.messages.join('; ')}`);
  }
  app.reporter.info('next: remove the tools you do not want (each is commented), then run `shim up` to link them into ' + tilde(app.paths.binDir, app.host.home));
  app.reporter.info('`shim explain <tool>` shows what a tool may do; `shim schema` prints the file format');
  return 0;
}
