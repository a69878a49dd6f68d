// Runs our components as real processes against the cluster-in-a-box, authenticated as
// the ServiceAccounts in deploy/ — so the RBAC we ship is exactly what they get.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './cluster.js';
import { mintServiceAccountKubeconfig } from './accounts.js';
import { kubectl } from './kubectl.js';
import type { ClusterInfo, NodeInfo } from './types.js';

export interface RunningComponent {
  pid: number;
  /** Everything the process wrote so far (pino JSON lines on stdout, anything on stderr). */
  output(): string;
  /** Parsed pino lines. */
  logLines(): Record<string, unknown>[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Applies the namespace and RBAC manifests from deploy/ (idempotent). */
export async function installRbac(c: ClusterInfo, files: string[]): Promise<void> {
  await kubectl(c, ['apply', ...files.flatMap((f) => ['-f', join(repoRoot, 'deploy', f)])]);
}

/** How to start a component: the command line and environment, for a child process or a daemon. */
export interface Launch {
  readonly cmd: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
}

export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): RunningComponent {
  const child: ChildProcess = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code, sig) => r(code ?? (sig ? 128 : null))));
  return {
    pid: child.pid ?? 0,
    output: () => out,
    logLines: () =>
      out.split('\n').flatMap((l) => {
        if (!l.startsWith('{')) return [];
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

export interface ControllerOptions {
  args?: string[];
  identity?: string;
}

/** The built controller (packages/controller/dist) as ServiceAccount ironlb-controller. */
export async function controllerLaunch(c: ClusterInfo, o: ControllerOptions = {}): Promise<Launch> {
  await installRbac(c, ['00-namespace.yaml', '10-controller-rbac.yaml']);
  const kubeconfig = await mintServiceAccountKubeconfig(c, { namespace: 'metallb-system', name: 'ironlb-controller' });
  const main = join(repoRoot, 'packages/controller/dist/main.js');
  return {
    cmd: process.execPath,
    args: [main, '--metrics-addr', '127.0.0.1:0', ...(o.args ?? [])],
    env: { ...process.env, KUBECONFIG: kubeconfig, POD_NAME: o.identity ?? `controller-${process.pid}` },
  };
}

/** Starts the built controller (packages/controller/dist) as ServiceAccount ironlb-controller. */
export async function startController(c: ClusterInfo, o: ControllerOptions = {}): Promise<RunningComponent> {
  const l = await controllerLaunch(c, o);
  return startProcess(l.cmd, l.args, l.env);
}

export interface SpeakerOptions {
  readonly args?: readonly string[];
  readonly logLevel?: string;
}

export interface SpeakerProcess extends RunningComponent {
  readonly node: NodeInfo;
}

/** Speaker kubeconfig per cluster (state dir), so RBAC is installed and a token minted once. */
const speakerKubeconfigs = new Map<string, string>();

/** Installs the speaker RBAC once and returns the ServiceAccount kubeconfig. */
export async function speakerCredentials(c: ClusterInfo): Promise<string> {
  const known = speakerKubeconfigs.get(c.stateDir);
  if (known) return known;
  await installRbac(c, ['00-namespace.yaml', '30-speaker-rbac.yaml']);
  const kubeconfig = await mintServiceAccountKubeconfig(c, { namespace: 'metallb-system', name: 'ironlb-speaker' });
  speakerKubeconfigs.set(c.stateDir, kubeconfig);
  return kubeconfig;
}

/**
 * The built speaker (packages/speaker/dist) inside the node's namespace, as ServiceAccount
 * ironlb-speaker: `ip netns exec` execs node, so the pid is the speaker's own.
 */
export async function speakerLaunch(c: ClusterInfo, node: NodeInfo, o: SpeakerOptions = {}): Promise<Launch> {
  const kubeconfig = await speakerCredentials(c);
  const main = join(repoRoot, 'packages/speaker/dist/main.js');
  return {
    cmd: 'ip',
    args: [
      'netns', 'exec', node.netns, process.execPath, main,
      '--node-name', node.name,
      '--metrics-addr', '127.0.0.1:0',
      '--heartbeat-bind', `${node.ip}:7946`,
      '--log-level', o.logLevel ?? 'debug',
      ...(o.args ?? []),
    ],
    env: { ...process.env, KUBECONFIG: kubeconfig },
  };
}

/** Starts the built speaker inside the node's namespace as a child process of this one. */
export async function startSpeaker(c: ClusterInfo, node: NodeInfo, o: SpeakerOptions = {}): Promise<SpeakerProcess> {
  const l = await speakerLaunch(c, node, o);
  return Object.assign(startProcess(l.cmd, l.args, l.env), { node });
}
