// Loads a component's credentials: --kubeconfig, else $KUBECONFIG, else in-cluster.
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}
