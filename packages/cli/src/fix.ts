// `preflight --fix`: sets ipvs.strictARP: true in kube-proxy's ConfigMap and nothing else.
// The new config.conf comes from core's strictArpPatch (other fields, order and comments
// kept); it is sent as a JSON merge patch of that one data key, guarded by the
// resourceVersion we read, so other keys and fields are untouched and a concurrent edit
// makes the patch fail (409) instead of being overwritten.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { checkStrictArp, isNotFound, KubeProxyConfigMap, KubeProxyRestartCommand, strictArpPatch, withDeadline, type Clock } from '@ironlb/core';
import type { FixOutcome } from './analyze/preflight.js';
import { ApiUnavailableError, describeApiError } from './gather.js';

const { namespace, name, key } = KubeProxyConfigMap;

export async function fixStrictArp(kc: KubeConfig, clock: Clock, deadlineMs: number): Promise<FixOutcome> {
  const core = kc.makeApiClient(CoreV1Api);
  const call = async <T>(what: string, p: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadline(p(), deadlineMs, what, clock);
    } catch (e) {
      throw new ApiUnavailableError(`cannot ${what}: ${describeApiError(e)}`, { cause: e });
    }
  };
  let cm;
  try {
    cm = await withDeadline(core.readNamespacedConfigMap({ namespace, name }), deadlineMs, `read ConfigMap ${namespace}/${name}`, clock);
  } catch (e) {
    if (!isNotFound(e)) throw new ApiUnavailableError(`cannot read ConfigMap ${namespace}/${name}: ${describeApiError(e)}`, { cause: e });
    cm = undefined;
  }
  const verdict = checkStrictArp(cm);
  const noChange = (message: string): FixOutcome => ({ patched: false, message, restartPods: [], restartCommand: KubeProxyRestartCommand });
  if (verdict.ok) return noChange(`--fix: nothing to change: ${verdict.message}.`);
  if (verdict.reason === 'unreadable') return noChange(`--fix: not changing ConfigMap ${namespace}/${name}: ${verdict.message}`);
  const current = cm?.data?.[key] ?? '';
  const next = strictArpPatch(current);
  const body = { metadata: { resourceVersion: cm?.metadata?.resourceVersion }, data: { [key]: next } };
  await call(`patch ConfigMap ${namespace}/${name}`, () => core.patchNamespacedConfigMap({ namespace, name, body, fieldManager: 'kubectl-ironlb' }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
  const pods = await call(`list kube-proxy pods in ${namespace}`, () => core.listNamespacedPod({ namespace, labelSelector: 'k8s-app=kube-proxy' }));
  return {
    patched: true,
    message: `--fix: set ipvs.strictARP: true in ConfigMap ${namespace}/${name} (key ${key}); every other field and key is unchanged.`,
    restartPods: pods.items.map((p) => `${namespace}/${p.metadata?.name ?? ''}`).sort(),
    restartCommand: KubeProxyRestartCommand,
  };
}
