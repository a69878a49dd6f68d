// kubectl with the cluster's admin kubeconfig (or another one for RBAC checks).
import { run, waitFor, type RunOptions } from './exec.js';

export interface KubectlTarget {
  kubectl: string;
  kubeconfig: string;
}

export async function kubectl(t: KubectlTarget, args: string[], opts: RunOptions = {}) {
  return run(t.kubectl, ['--kubeconfig', t.kubeconfig, ...args], opts);
}

/** `kubectl apply -f -` of a manifest string; resolves kubectl's stdout. */
export async function applyYaml(t: KubectlTarget, yaml: string, extra: string[] = []): Promise<string> {
  return (await kubectl(t, ['apply', '-f', '-', ...extra], { input: yaml })).stdout;
}

export async function getJson<T = unknown>(t: KubectlTarget, args: string[]): Promise<T> {
  const { stdout } = await kubectl(t, ['get', ...args, '-o', 'json']);
  return JSON.parse(stdout) as T;
}

/**
 * Waits until every CRD is Established (up to `timeoutMs`). `kubectl wait` fails at once
 * ("status.conditions accessor error") on a CRD the API server has not given a status
 * yet, right after `apply`, so each try is retried until the deadline; so is a list of
 * metallb.io resources, which answers 429 until their storage is ready.
 */
export async function waitCrdsEstablished(t: KubectlTarget, timeoutMs = 60_000): Promise<void> {
  await waitFor('CRDs Established', async () => {
    await kubectl(t, ['wait', '--for=condition=Established', 'crd', '--all', '--timeout=10s']);
    // Established comes before the resource's storage is ready ("429: storage is
    // (re)initializing"): done once the resources can be listed.
    await kubectl(t, ['get', 'ipaddresspools,l2advertisements,servicel2statuses', '-A']);
    return true;
  }, timeoutMs, 250);
}
