// Kubeconfigs for ServiceAccounts, so the controller and speakers run in tests with the
// RBAC we ship — a missing permission fails a test, not a user's cluster. Tokens come
// from the TokenRequest API (`kubectl create token`), which needs only the apiserver's
// signing key, no token controller.
import { join } from 'node:path';
import { kubectl } from './kubectl.js';
import { writeKubeconfig } from './kubeconfig.js';
import type { ClusterInfo } from './types.js';

export interface ServiceAccountRef {
  namespace: string;
  name: string;
  /** Token lifetime; the apiserver caps it at its own maximum. */
  duration?: string;
}

export async function mintServiceAccountKubeconfig(c: ClusterInfo, sa: ServiceAccountRef): Promise<string> {
  const t = { kubectl: c.kubectl, kubeconfig: c.kubeconfig };
  for (const args of [['namespace', sa.namespace], ['serviceaccount', sa.name, '-n', sa.namespace]]) {
    const r = await kubectl(t, ['create', ...args], { allowFail: true });
    if (r.code !== 0 && !/AlreadyExists|already exists/i.test(r.stderr)) throw new Error(`creating ${args.join(' ')}: ${r.stderr}`);
  }
  const { stdout } = await kubectl(t, ['create', 'token', sa.name, '-n', sa.namespace, '--duration', sa.duration ?? '24h']);
  const user = `system:serviceaccount:${sa.namespace}:${sa.name}`;
  const path = join(c.stateDir, `sa-${sa.namespace}-${sa.name}.kubeconfig`);
  return writeKubeconfig(path, c.server, join(c.stateDir, 'pki/ca.crt'), user, { token: stdout.trim() });
}
