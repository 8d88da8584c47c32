// A session's checks after its tool ends, the ones a plain run makes (snapshot/after-run.ts): the git
// census after each run of the tool (a restarted tool is warned of what is new since its last run), and
// after the last one the automatic snapshots of a failed start dropped. What they find goes to the
// supervisor log and stays for the session's record (ps, logs, the audit log's end).
import { discardUnusedSnapshots, gitChanges, type RunWatch } from '../snapshot/after-run.js';

export class SessionChecks {
  readonly warnings: string[] = [];

  constructor(
    private watch: RunWatch,
    private readonly log: (message: string) => void,
  ) {}

  /** After a run of the tool (it may run again). */
  afterRun(): void {
    try {
      const { warnings, watch } = gitChanges(this.watch);
      this.watch = watch;
      for (const w of warnings) this.log(w);
      this.warnings.push(...warnings);
    } catch (e) {
      this.log(`cannot look for git repositories the tool made: ${(e as Error).message}`);
    }
  }

  /** After the last run, ended with `status`: afterRun, then the snapshots kept. */
  async afterLast(status: number, env: NodeJS.ProcessEnv): Promise<string[]> {
    this.afterRun();
    try {
      return await discardUnusedSnapshots(this.watch, status, env);
    } catch (e) {
      this.log(`cannot drop the snapshots of a failed start: ${(e as Error).message}`);
      return this.watch.snapshots;
    }
  }
}
