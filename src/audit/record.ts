// One line of the audit log ($XDG_STATE_HOME/shim/audit.jsonl): what ran, with which policy, and how it
// ended. Variable names only, never values.

export interface AuditMount {
  src: string;
  dst: string;
  mode: 'ro' | 'rw';
}

/** One request through the allow-list proxy (empty unless the tool has allowed_hosts). */
export interface AuditEgress {
  host: string;
  port: number;
  /** allow: reached; deny: refused by the policy; fail: allowed, but the upstream could not be reached
   *  (the name does not resolve, nothing answers, TLS fails): not a policy problem. */
  action: 'allow' | 'deny' | 'fail';
  /** How many requests this entry sums up (one entry per host, port and action). */
  requests?: number;
  bytesUp: number;
  bytesDown: number;
  /** Brokered credentials injected into requests to this host (names only: "credential X injected for host Y"). */
  credentials?: string[];
  /** For deny and fail: the first reason the proxy gave. */
  reason?: string;
  /** For fail: what failed ("resolve", "connect", "timeout", "tls", "upstream"). */
  failure?: string;
  /** How many times a brokered credential's real value was removed from this host's answers. */
  redactions?: number;
}

export interface AuditRecord {
  /** ISO time the run started. */
  time: string;
  tool: string;
  spec: string;
  /** The locked version that ran. */
  version: string;
  runtime: 'podman' | 'docker';
  /** How it was started (web: from the page of `shim serve`). */
  via: 'cli' | 'link' | 'mcp' | 'web';
  /** sha256 of the runtime command minus the run's own name, labels and the tool's arguments. */
  policyHash: string;
  cwd: string;
  mounts: AuditMount[];
  /** Names of the variables set in the container (values are never logged). */
  env: string[];
  network: 'none' | 'bridge' | 'allowlist';
  egress: AuditEgress[];
  exitCode: number;
  /** Set when the tool ended by a signal shim forwarded (e.g. "SIGTERM"). */
  signal: string | null;
  durationMs: number;
  /** Limits the run hit: "timeout", "oom", "output". */
  limitsHit: string[];
  /** Present when the call ran in a warm container: its name, and whether this call started it. */
  warm?: { container: string; started: boolean };
  /** The run's id (a warm call's id, or the cold container's). */
  runId?: string;
  /** Snapshots taken before the run ("snapshot": true): `shim snapshot restore <runId>` restores them. */
  snapshots?: string[];
  /** The project root "." stood for. */
  projectRoot?: string;
  /** What shim warned about (also those held back while the tool owned a terminal). */
  warnings?: string[];
  /** A session's event: its start, a terminal attaching or detaching, `shim shell`, `shim stop`, and its
   *  end (the only one with the run's outcome: exit status, duration, egress). */
  session?: { name: string; event: 'start' | 'attach' | 'detach' | 'shell' | 'stop' | 'end' };
  /** An action taken from the page of `shim serve` (always via "web"): what, on what, and whether it
   *  worked. Such a record is no run: the fields of a run's policy are those of the session it acted
   *  on, or empty. */
  action?: AuditAction;
}

export interface AuditAction {
  /** start, stop, pause, resume, restart, shell, apply, apply-branch, discard, restore, allow. */
  name: string;
  /** The session, snapshot or host it acted on. */
  target: string;
  ok: boolean;
  /** Why it failed (shim's own message), when it did. */
  error?: string;
}
