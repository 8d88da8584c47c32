// The shape of a run that is ready to start, shared by the run command, the MCP server and the audit
// record built from it.
import type { ResolvedTool } from '../config/merge.js';
import type { RunPlan } from '../plan/run-plan.js';
import type { Command, SignalPlan } from './exec.js';
import type { ImageContext } from './image.js';

/** A run that is ready to start: image built, tool installed, plan made. */
export interface PreparedRun {
  tool: ResolvedTool;
  plan: RunPlan;
  /** The runtime command (file, argv, environment) to execute; a warm call has none (its argv is
   *  empty): the container's keeper runs it (signals.keeperCall). */
  command: Command;
  /** How the command is signalled and cleaned up after. */
  signals: SignalPlan;
  /** The warm container the call runs in, whether this call started it, and when the call was recorded
   *  as its use (ms since the epoch). */
  warm?: { container: string; started: boolean; usedAt: number };
  image: string;
  /** The locked version of the tool that will run. */
  version: string;
  /** Packages whose install scripts did not run (named when the tool fails). */
  skippedScripts: string[];
  /** The run's id (its audit record's runId) and the snapshots taken before it ("snapshot": true). */
  runId?: string;
  snapshots?: string[];
  ctx: ImageContext;
}
