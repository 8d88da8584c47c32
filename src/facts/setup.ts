// Which setup this shim belongs to (plan/names.ts buildSetupId): the user and the real path of the state
// directory, read once per process.
import { buildSetupId } from '../plan/names.js';
import { realpathLoose } from './realpath.js';

const known = new Map<string, string>();

/** The setup id of `uid` with the state directory `stateDir` (which need not exist yet). */
export function loadSetupId(uid: number, stateDir: string): string {
  const key = `${uid}\0${stateDir}`;
  let id = known.get(key);
  if (id === undefined) {
    id = buildSetupId(uid, realpathLoose(stateDir));
    known.set(key, id);
  }
  return id;
}

/** The setup id of an app (its host's user, its state directory). */
export function setupOf(app: { host: { uid: number }; paths: { stateDir: string } }): string {
  return loadSetupId(app.host.uid, app.paths.stateDir);
}
