// The key the speakers sign their heartbeats with (HMAC-SHA256) lives in a Secret in the
// install namespace. The leader creates it when it is missing, with 32 random bytes, and
// never touches an existing one: rotation is the operator's (add a key, wait, remove the
// old one — docs/operations.md), and a second controller must not overwrite it.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import { HeartbeatSecretName, callWithDeadline, httpStatusOf, isNotFound, type Clock, type Logger } from '@ironlb/core';

export async function ensureHeartbeatSecret(api: Pick<CoreV1Api, 'readNamespacedSecret' | 'createNamespacedSecret'>, namespace: string, clock: Clock, log: Logger, deadlineMs = 10_000): Promise<'exists' | 'created'> {
  try {
    await callWithDeadline((o) => api.readNamespacedSecret({ name: HeartbeatSecretName, namespace }, o), deadlineMs, `read secret ${namespace}/${HeartbeatSecretName}`, clock);
    return 'exists';
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const id = `key-${new Date(clock.now()).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
  try {
    await callWithDeadline(
      (o) => api.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: HeartbeatSecretName, namespace, labels: { 'app.kubernetes.io/name': 'ironlb' } },
          type: 'Opaque',
          data: { [id]: randomBytes(32).toString('base64') },
        },
      }, o),
      deadlineMs,
      `create secret ${namespace}/${HeartbeatSecretName}`,
      clock,
    );
  } catch (e) {
    if (httpStatusOf(e) === 409) return 'exists'; // another replica won the race
    throw e;
  }
  log.info({ event: 'heartbeatSecretCreated', secret: `${namespace}/${HeartbeatSecretName}`, keyId: id }, 'created the speakers\' heartbeat key');
  return 'created';
}
