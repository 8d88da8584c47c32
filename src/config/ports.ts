// Port mappings as written in a config or SHIM_EXTRA_PORTS: [ip:][hostPort:]containerPort[/proto],
// ports and ranges checked to lie in 1..65535. One parser for validation and planning.

const PORT_SPEC_RE = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(?:(\d{1,5}(?:-\d{1,5})?)?:)?(\d{1,5}(?:-\d{1,5})?)(\/(?:tcp|udp|sctp))?$/;

export interface PortSpec {
  ip?: string;
  hostPort?: string;
  containerPort: string;
  proto?: string;
}

function validRange(range: string | undefined): boolean {
  if (range === undefined) return true;
  const [lo, hi = lo] = range.split('-').map(Number);
  return lo! >= 1 && hi! <= 65535 && lo! <= hi!;
}

/** Parses a port mapping, or returns undefined when it is malformed or out of range. */
export function parsePortSpec(spec: string): PortSpec | undefined {
  const m = PORT_SPEC_RE.exec(spec);
  if (!m) return undefined;
  const [, ip, hostPort, containerPort, proto] = m;
  if (!validRange(hostPort) || !validRange(containerPort)) return undefined;
  if (ip && !ip.startsWith('[') && ip.split('.').some((o) => Number(o) > 255)) return undefined;
  return { ip, hostPort, containerPort: containerPort!, proto };
}
