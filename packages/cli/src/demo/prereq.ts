// What the demo needs from the machine, checked before anything is touched, each missing
// piece reported with its fix. Pure: the facts are gathered by the caller.

export interface MachineFacts {
  readonly uid: number | undefined;
  readonly nodeVersion: string;
  /** Commands the demo runs, and whether each is on PATH. */
  readonly tools: Readonly<Record<string, boolean>>;
  /** The speaker's native addon (built by npm ci). */
  readonly addonBuilt: boolean;
  /** node_modules present (npm ci ran). */
  readonly depsInstalled: boolean;
  /** Clusters running now: id, and whether a kept demo made it / whose process owns it. */
  readonly clusters: readonly { readonly id: string; readonly demo: boolean; readonly ownerPid?: number }[];
}

export const TOOLS = ['ip', 'arping', 'curl', 'openssl', 'sysctl'] as const;

export function problems(f: MachineFacts): string[] {
  const out: string[] = [];
  if (f.uid !== 0) out.push('the demo needs root (it creates network namespaces, veth links and sysctls): run it as root, e.g. sudo npm run demo');
  const major = Number(/^v?(\d+)/.exec(f.nodeVersion)?.[1] ?? 0);
  if (major < 20) out.push(`Node.js ${f.nodeVersion} is too old: ironlb needs Node 20 (>= 20.19)`);
  const missing = TOOLS.filter((t) => !f.tools[t]);
  if (missing.length) out.push(`missing commands: ${missing.join(', ')} (Debian: iproute2 iputils-arping curl openssl procps; bash .ci/setup installs them)`);
  if (!f.depsInstalled) out.push('node_modules is missing: run bash .ci/setup (or npm ci)');
  else if (!f.addonBuilt) out.push("the speaker's native addon is not built (packages/speaker/build/Release/ironlb_packet.node): run bash .ci/setup (or npm ci)");
  for (const c of f.clusters) {
    if (c.demo) out.push(`a demo cluster (${c.id}) is still running from npm run demo -- --keep: remove it with npm run demo -- --down`);
    else if (c.ownerPid) out.push(`a cluster-in-a-box (${c.id}) is running, owned by process ${c.ownerPid} (another npm run demo, a test run or a bench?); only one can run per machine: wait for it or stop that process`);
    else out.push(`a cluster-in-a-box (${c.id}) is running (npm run cluster:up); only one can run per machine: npm run cluster:down -- --id ${c.id}`);
  }
  return out;
}
