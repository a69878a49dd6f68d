// Loads a component's credentials: --kubeconfig, else $KUBECONFIG, else in-cluster.
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ErrorCodes, IronlbError } from './errors.js';

/**
 * `path` (a flag) wins. Otherwise `kubeconfigList` (the value of $KUBECONFIG, passed by
 * main.ts) is merged with kubectl's rules, see mergeKubeconfigFiles; without it,
 * client-node's default ($KUBECONFIG as client-node reads it, ~/.kube/config, in-cluster).
 * Throws the file error, or IronlbError(Config) when no file of the list exists.
 */
export function loadKubeConfig(path: string | undefined, kubeconfigList?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (kubeconfigList) return mergeKubeconfigFiles(kubeconfigList.split(delimiter).filter((f) => f !== ''));
  else kc.loadFromDefault();
  return kc;
}

/**
 * kubectl's merge of a $KUBECONFIG list (client-go's loading rules), which client-node's
 * loadFromDefault does not follow: files that do not exist are skipped; the first file
 * to name a cluster, user or context wins (later duplicates are ignored, not an error);
 * the first current-context set wins. Relative paths inside each file are resolved
 * against that file's directory (client-node's loadFromFile).
 */
export function mergeKubeconfigFiles(files: readonly string[]): KubeConfig {
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) throw new IronlbError(ErrorCodes.Config, `none of the kubeconfig files exists: ${files.join(', ')}`);
  const one = new KubeConfig();
  const merged: Pick<KubeConfig, 'clusters' | 'users' | 'contexts' | 'currentContext'> = { clusters: [], users: [], contexts: [], currentContext: '' };
  for (const f of present) {
    one.loadFromFile(f);
    for (const c of one.clusters) if (!merged.clusters.some((x) => x.name === c.name)) merged.clusters.push(c);
    for (const u of one.users) if (!merged.users.some((x) => x.name === u.name)) merged.users.push(u);
    for (const c of one.contexts) if (!merged.contexts.some((x) => x.name === c.name)) merged.contexts.push(c);
    if (merged.currentContext === '' && one.currentContext) merged.currentContext = one.currentContext;
  }
  const kc = new KubeConfig();
  kc.loadFromOptions(merged);
  return kc;
}
