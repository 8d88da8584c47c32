// Runtime commands for shim's volumes (pure).

/** Lists every volume name. */
export function volumeListArgv(): string[] {
  return ['volume', 'ls', '--format', '{{.Name}}'];
}

/** Prints a volume's directory on the host. */
export function volumeMountpointArgv(volume: string): string[] {
  return ['volume', 'inspect', '--format', '{{.Mountpoint}}', volume];
}

export function volumeRemoveArgv(volume: string): string[] {
  return ['volume', 'rm', volume];
}

/** Which of shim's volumes prune removes: download caches always, tool installs with --all. */
export function volumesToPrune(names: readonly string[], all: boolean): string[] {
  return names.filter((v) => v === 'shim-cache' || v.startsWith('shim-cache-') || (all && v.startsWith('shim-tool-')));
}
