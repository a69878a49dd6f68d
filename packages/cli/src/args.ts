// The command line of `kubectl ironlb`, parsed without touching the world: kubectl's own
// flag names and meanings (--kubeconfig, --context, -n/--namespace, -A/--all-namespaces,
// -o/--output), so the plugin behaves like any other kubectl verb.
import { DefaultNamespace } from '@ironlb/core';

export type Output = 'table' | 'wide' | 'json' | 'yaml';
export const Outputs: readonly Output[] = ['table', 'wide', 'json', 'yaml'];

export type Command =
  | { readonly name: 'status' }
  | { readonly name: 'explain'; readonly service: string }
  | { readonly name: 'pools' }
  | { readonly name: 'preflight'; readonly fix: boolean };

export interface Options {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** -n; undefined: the context's namespace (explain) or every namespace (status, with -A). */
  readonly namespace?: string;
  readonly allNamespaces: boolean;
  readonly output: Output;
  /** Where ironlb runs (pools, advertisements, Leases, ServiceL2Statuses, the heartbeat Secret). */
  readonly systemNamespace: string;
  /** The controller's and speakers' --lb-class: Services of this spec.loadBalancerClass are ours. */
  readonly lbClass?: string;
  /** Deadline of each API call, ms. */
  readonly requestTimeoutMs: number;
}

export type Parsed =
  | { readonly kind: 'run'; readonly command: Command; readonly options: Options }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'usage-error'; readonly message: string };

export const ExitCodes = {
  /** Everything checked is fine. */
  ok: 0,
  /** The answer names problems (a pending or unannounced Service, a failed preflight check, a pool problem). */
  problems: 1,
  /** Bad command line, or the named Service does not exist / is not a LoadBalancer. */
  usage: 2,
  /** The API server cannot be reached or refuses us, or the metallb.io CRDs are not installed. */
  unavailable: 3,
} as const;

export const HelpText = `kubectl ironlb - which node has my IP, and why

Usage:
  kubectl ironlb status                 one row per LoadBalancer Service: IPs, pool, announcing node, problems
  kubectl ironlb explain svc/NAME       why a Service has these IPs (or none) and why this node announces them
  kubectl ironlb pools                  per pool: addresses, used/free per family, Services, advertisements, problems
  kubectl ironlb preflight [--fix]      install checks (strictARP, CRDs, speakers, pools, advertisements, heartbeat Secret)

Flags:
      --kubeconfig PATH         kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)
      --context NAME            kubeconfig context to use
  -n, --namespace NS            Services of this namespace (default for explain: the context's namespace)
  -A, --all-namespaces          Services of every namespace (the default for status)
  -o, --output FORMAT           table (default), wide, json or yaml
      --system-namespace NS     where ironlb runs (default ${DefaultNamespace})
      --lb-class NAME           the controller's --lb-class, if it runs with one
      --request-timeout SECONDS deadline of each API call (default 10)
      --fix                     preflight only: set ipvs.strictARP in kube-proxy's ConfigMap
  -h, --help                    this text

Exit codes:
  0  ok
  1  problems found (pending or unannounced Service, failed check, pool problem)
  2  usage error, an unusable kubeconfig or context, or the Service named does not exist or is not a LoadBalancer
  3  cannot reach the API server (or forbidden), or the metallb.io CRDs are not installed
`;

const VALUE_FLAGS: Record<string, keyof Mutable> = {
  '--kubeconfig': 'kubeconfig',
  '--context': 'context',
  '-n': 'namespace',
  '--namespace': 'namespace',
  '-o': 'output',
  '--output': 'output',
  '--system-namespace': 'systemNamespace',
  '--lb-class': 'lbClass',
  '--request-timeout': 'requestTimeout',
};

interface Mutable {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  output?: string;
  systemNamespace?: string;
  lbClass?: string;
  requestTimeout?: string;
}

/** Parses argv (without node and the script). Never throws. */
export function parseArgs(argv: readonly string[]): Parsed {
  const v: Mutable = {};
  const positional: string[] = [];
  let all = false;
  let fix = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '-A' || arg === '--all-namespaces') {
      all = true;
      continue;
    }
    if (arg === '--fix') {
      fix = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const field = VALUE_FLAGS[flag];
    if (field !== undefined) {
      let value: string | undefined;
      if (eq > 0) value = arg.slice(eq + 1);
      else {
        value = argv[i + 1];
        i++;
      }
      if (value === undefined || value === '') return usage(`flag ${flag} needs a value`);
      v[field] = value;
      continue;
    }
    // kubectl style "-oyaml" / "-nfoo".
    if (/^-[no].+/.test(arg)) {
      v[arg[1] === 'n' ? 'namespace' : 'output'] = arg.slice(2).replace(/^=/, '');
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') return usage(`unknown flag ${arg}`);
    positional.push(arg);
  }
  if (help || positional[0] === 'help' || positional.length === 0) return { kind: 'help', text: HelpText };

  const output = (v.output ?? 'table') as Output;
  if (!Outputs.includes(output)) return usage(`--output must be one of ${Outputs.join(', ')}, not ${JSON.stringify(v.output)}`);
  let requestTimeoutMs = 10_000;
  if (v.requestTimeout !== undefined) {
    const s = Number(v.requestTimeout.replace(/s$/, ''));
    if (!Number.isFinite(s) || s <= 0) return usage(`--request-timeout must be a positive number of seconds, not ${JSON.stringify(v.requestTimeout)}`);
    requestTimeoutMs = Math.round(s * 1000);
  }
  if (all && v.namespace !== undefined) return usage('-n/--namespace and -A/--all-namespaces are mutually exclusive');
  if (v.namespace !== undefined && !isNamespaceName(v.namespace)) return usage(`-n/--namespace: ${JSON.stringify(v.namespace)} is not a namespace name (lower-case letters, digits and '-', at most 63)`);
  if (v.systemNamespace !== undefined && !isNamespaceName(v.systemNamespace)) return usage(`--system-namespace: ${JSON.stringify(v.systemNamespace)} is not a namespace name (lower-case letters, digits and '-', at most 63)`);
  const options: Options = {
    ...(v.kubeconfig !== undefined ? { kubeconfig: v.kubeconfig } : {}),
    ...(v.context !== undefined ? { context: v.context } : {}),
    ...(v.namespace !== undefined ? { namespace: v.namespace } : {}),
    ...(v.lbClass !== undefined ? { lbClass: v.lbClass } : {}),
    allNamespaces: all,
    output,
    systemNamespace: v.systemNamespace ?? DefaultNamespace,
    requestTimeoutMs,
  };

  const [name, ...rest] = positional;
  if (fix && name !== 'preflight') return usage('--fix only applies to preflight');
  const noArgs = (c: Command): Parsed => (rest.length > 0 ? usage(`${name} takes no arguments, got ${JSON.stringify(rest.join(' '))}`) : { kind: 'run', command: c, options });
  switch (name) {
    case 'status':
      return noArgs({ name: 'status' });
    case 'pools':
      return noArgs({ name: 'pools' });
    case 'preflight':
      return noArgs({ name: 'preflight', fix });
    case 'explain': {
      if (rest.length !== 1) return usage('explain takes one Service: kubectl ironlb explain svc/NAME [-n NAMESPACE]');
      const service = serviceName(rest[0] as string);
      if (service === undefined) return usage(`explain: ${JSON.stringify(rest[0])} is not a Service; write svc/NAME`);
      return { kind: 'run', command: { name: 'explain', service }, options };
    }
    default:
      return usage(`unknown command ${JSON.stringify(name)}; commands: status, explain, pools, preflight`);
  }
}

/** "svc/x", "service/x", "services/x" or a bare "x" → "x"; another kind → undefined. */
function serviceName(ref: string): string | undefined {
  const slash = ref.indexOf('/');
  if (slash < 0) return ref;
  const kind = ref.slice(0, slash).toLowerCase();
  const name = ref.slice(slash + 1);
  return ['svc', 'service', 'services'].includes(kind) && name !== '' && !name.includes('/') ? name : undefined;
}

/** A Namespace name as the API server accepts it (RFC 1123 label). */
function isNamespaceName(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

function usage(message: string): Parsed {
  return { kind: 'usage-error', message };
}
