// The work-queue and cache key of a namespaced object, "namespace/name" (client-go's
// MetaNamespaceKeyFunc), one implementation for the controller, the speaker and the CLI.

export const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/** The inverse of keyOf; a key without a slash is a name in namespace ''. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
