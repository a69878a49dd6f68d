// Runs our components as real processes against the cluster-in-a-box, authenticated as
// the ServiceAccounts in deploy/ — so the RBAC we ship is exactly what they get.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './cluster.js';
import { mintServiceAccountKubeconfig } from './accounts.js';
import { kubectl } from './kubectl.js';
import type { ClusterInfo } from './types.js';

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

/** Starts the built controller (packages/controller/dist) as ServiceAccount ironlb-controller. */
export async function startController(c: ClusterInfo, o: ControllerOptions = {}): Promise<RunningComponent> {
  await installRbac(c, ['00-namespace.yaml', '10-controller-rbac.yaml']);
  const kubeconfig = await mintServiceAccountKubeconfig(c, { namespace: 'metallb-system', name: 'ironlb-controller' });
  const main = join(repoRoot, 'packages/controller/dist/main.js');
  return startProcess(process.execPath, [main, '--metrics-addr', '127.0.0.1:0', ...(o.args ?? [])], {
    ...process.env,
    KUBECONFIG: kubeconfig,
    POD_NAME: o.identity ?? `controller-${process.pid}`,
  });
}
