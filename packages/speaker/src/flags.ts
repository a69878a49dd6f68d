// Command-line flags of ironlb-speaker. Pure: main.ts passes argv and env in. Every
// timing knob has a safe default and a validated range; the error names the flag.
import { parseArgs } from 'node:util';
import { ErrorCodes, IronlbError, parseListenAddress } from '@ironlb/core';

export interface SpeakerFlags {
  node: string;
  namespace: string;
  lbClass?: string;
  metricsAddr: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  kubeconfig?: string;
  ignoreExcludeLb: boolean;
  strictArp: 'enforce' | 'warn';
  /** UDP heartbeat listen address, host:port. */
  heartbeatBind: string;
  /** What peers send to (the node IP); defaults to the bind address. */
  heartbeatAdvertise: string;
  heartbeatIntervalMs: number;
  deadAfterMs: number;
  leaseDurationSeconds: number;
  handoffMs: number;
  drainMs: number;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export const USAGE = `usage: ironlb-speaker [flags]
  --node-name NAME          this node (default $NODE_NAME)
  --namespace NS            install namespace: pools, advertisements, leases, ServiceL2Status (default metallb-system)
  --lb-class NAME           only Services with spec.loadBalancerClass NAME (default: only Services with no class)
  --metrics-addr ADDR       /metrics, /healthz, /readyz listen address (default :7473)
  --log-level LEVEL         trace|debug|info|warn|error (default info)
  --kubeconfig PATH         kubeconfig (default: $KUBECONFIG, then in-cluster config)
  --ignore-exclude-lb       announce from nodes labelled node.kubernetes.io/exclude-from-external-load-balancers
  --strict-arp MODE         enforce (refuse to announce when kube-proxy IPVS lacks strictARP) | warn (default enforce)
  --heartbeat-bind ADDR     UDP heartbeat listen address host:port (default $NODE_IP:7946, else 0.0.0.0:7946)
  --heartbeat-advertise ADDR  address peers send heartbeats to (default: the bind address, or $NODE_IP:port)
  --heartbeat-interval MS   heartbeat period, 20-1000 (default 100)
  --dead-after MS           silence that makes a peer dead, >= 3 x interval, <= 10000 (default 400)
  --lease-duration SECS     per-node Lease duration, 6-300 (default 15); renewed every third of it, at most every 5 s
  --handoff MS              quiet answering after losing an IP, 0-10000 (default 2000)
  --drain MS                on SIGTERM, answering while peers take over, 0-30000 (default 1500)`;

function intFlag(values: Record<string, unknown>, name: string, def: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new IronlbError(ErrorCodes.Config, `--${name}: "${String(raw)}" must be a whole number from ${min} to ${max}`);
  return n;
}

/** `--help` / `-h`: main prints USAGE and exits 0. */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h');

export function parseSpeakerFlags(argv: string[], env: Record<string, string | undefined>): SpeakerFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        'node-name': { type: 'string' },
        namespace: { type: 'string' },
        'lb-class': { type: 'string' },
        'metrics-addr': { type: 'string' },
        'log-level': { type: 'string' },
        kubeconfig: { type: 'string' },
        'ignore-exclude-lb': { type: 'boolean' },
        'strict-arp': { type: 'string' },
        'heartbeat-bind': { type: 'string' },
        'heartbeat-advertise': { type: 'string' },
        'heartbeat-interval': { type: 'string' },
        'dead-after': { type: 'string' },
        'lease-duration': { type: 'string' },
        handoff: { type: 'string' },
        drain: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new IronlbError(ErrorCodes.Config, `${(e as Error).message}\n${USAGE}`, { cause: e });
  }
  const node = values['node-name'] ?? env.NODE_NAME;
  if (!node) throw new IronlbError(ErrorCodes.Config, '--node-name: required (or set $NODE_NAME, e.g. from spec.nodeName in the DaemonSet)');
  const level = values['log-level'] ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level)) throw new IronlbError(ErrorCodes.Config, `--log-level: "${level}" is not one of ${LEVELS.join(', ')}`);
  const strictArp = values['strict-arp'] ?? 'enforce';
  if (strictArp !== 'enforce' && strictArp !== 'warn') throw new IronlbError(ErrorCodes.Config, `--strict-arp: "${strictArp}" is not one of enforce, warn`);
  const lbClass = values['lb-class'];
  if (lbClass !== undefined && lbClass.trim() === '') throw new IronlbError(ErrorCodes.Config, '--lb-class: must not be empty (omit it to handle Services without a class)');
  const interval = intFlag(values, 'heartbeat-interval', 100, 20, 1000);
  const deadAfter = intFlag(values, 'dead-after', 400, 60, 10_000);
  if (deadAfter < 3 * interval) throw new IronlbError(ErrorCodes.Config, `--dead-after: ${deadAfter} ms must be at least 3 x --heartbeat-interval (${3 * interval} ms), or one lost packet would kill a peer`);
  const hostPort = (v: string) => (v.includes(':') && !v.startsWith('[') ? `[${v}]` : v);
  const bind = values['heartbeat-bind'] ?? (env.NODE_IP ? `${hostPort(env.NODE_IP)}:7946` : '0.0.0.0:7946');
  const advertise = values['heartbeat-advertise'] ?? (bind.startsWith('0.0.0.0:') || bind.startsWith('[::]:') ? (env.NODE_IP ? `${hostPort(env.NODE_IP)}:${bind.slice(bind.lastIndexOf(':') + 1)}` : undefined) : bind);
  if (!advertise) throw new IronlbError(ErrorCodes.Config, '--heartbeat-advertise: required when --heartbeat-bind is a wildcard address and $NODE_IP is unset');
  const endpoint = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d{1,5})$/;
  for (const [flag, v] of [['--heartbeat-bind', bind], ['--heartbeat-advertise', advertise]] as const) {
    const m = endpoint.exec(v);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new IronlbError(ErrorCodes.Config, `${flag}: "${v}" is not ip:port or [ipv6]:port with a port from 1 to 65535`);
  }
  const metricsAddr = values['metrics-addr'] ?? ':7473';
  try {
    parseListenAddress(metricsAddr);
  } catch (e) {
    throw new IronlbError(ErrorCodes.Config, `--metrics-addr: ${(e as Error).message}`);
  }
  return {
    node,
    namespace: values.namespace ?? 'metallb-system',
    lbClass,
    metricsAddr,
    logLevel: level as SpeakerFlags['logLevel'],
    kubeconfig: values.kubeconfig ?? env.KUBECONFIG,
    ignoreExcludeLb: values['ignore-exclude-lb'] ?? false,
    strictArp,
    heartbeatBind: bind,
    heartbeatAdvertise: advertise,
    heartbeatIntervalMs: interval,
    deadAfterMs: deadAfter,
    leaseDurationSeconds: intFlag(values, 'lease-duration', 15, 6, 300),
    handoffMs: intFlag(values, 'handoff', 2000, 0, 10_000),
    drainMs: intFlag(values, 'drain', 1500, 0, 30_000),
  };
}
