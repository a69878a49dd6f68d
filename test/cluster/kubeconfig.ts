// Writes kubeconfig files: the admin one (client certificate) and ServiceAccount ones
// (bearer token), so components run with exactly the RBAC we ship.
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

interface Credentials {
  clientCert?: string;
  clientKey?: string;
  token?: string;
}

export function writeKubeconfig(path: string, server: string, caCertFile: string, user: string, creds: Credentials): string {
  const b64 = (f: string) => readFileSync(f).toString('base64');
  const userEntry: Record<string, string> = {};
  if (creds.clientCert && creds.clientKey) {
    userEntry['client-certificate-data'] = b64(creds.clientCert);
    userEntry['client-key-data'] = b64(creds.clientKey);
  }
  if (creds.token) userEntry.token = creds.token;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'ironlb', cluster: { server, 'certificate-authority-data': b64(caCertFile) } }],
    users: [{ name: user, user: userEntry }],
    contexts: [{ name: user, context: { cluster: 'ironlb', user } }],
    'current-context': user,
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}
