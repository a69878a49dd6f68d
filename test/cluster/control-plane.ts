// Starts and stops the real control plane: etcd, kube-apiserver (RBAC on, client-cert
// admin, service-account signing) and kube-controller-manager with only the controllers
// ironlb needs (EndpointSlices, garbage collection, namespaces, service accounts).
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isAlive, startDaemon, waitFor } from './exec.js';
import type { Pki } from './certs.js';

export interface ControlPlaneState {
  etcdPid?: number;
  apiserverPid?: number;
  kcmPid?: number;
  etcdPort: number;
  etcdPeerPort: number;
  apiserverPort: number;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** GET a path on the apiserver with the admin client certificate; resolves status + body. */
export function apiGet(server: string, pki: Pki, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server),
      {
        ca: readFileSync(pki.caCert),
        cert: readFileSync(pki.adminCert),
        key: readFileSync(pki.adminKey),
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface StartOptions {
  binDir: string;
  stateDir: string;
  pki: Pki;
  adminKubeconfig: string;
  bindAddress: string;
  ports: Pick<ControlPlaneState, 'etcdPort' | 'etcdPeerPort' | 'apiserverPort'>;
  log?: (msg: string) => void;
}

export function serverUrl(bindAddress: string, port: number): string {
  return `https://${bindAddress}:${port}`;
}

export async function startControlPlane(o: StartOptions, prev?: ControlPlaneState): Promise<ControlPlaneState> {
  const log = o.log ?? (() => {});
  const logs = join(o.stateDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const st: ControlPlaneState = { ...prev, ...o.ports };
  const etcdUrl = `http://127.0.0.1:${st.etcdPort}`;
  const peerUrl = `http://127.0.0.1:${st.etcdPeerPort}`;
  const server = serverUrl(o.bindAddress, st.apiserverPort);

  if (!isAlive(st.etcdPid)) {
    log('starting etcd');
    st.etcdPid = startDaemon(join(o.binDir, 'etcd'), [
      '--name=ironlb', `--data-dir=${join(o.stateDir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=ironlb=${peerUrl}`, '--unsafe-no-fsync', '--log-level=warn',
    ], join(logs, 'etcd.log'));
  }

  if (!isAlive(st.apiserverPid)) {
    log('starting kube-apiserver');
    st.apiserverPid = startDaemon(join(o.binDir, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${o.bindAddress}`, `--advertise-address=${o.bindAddress}`,
      `--secure-port=${st.apiserverPort}`,
      `--tls-cert-file=${o.pki.servingCert}`, `--tls-private-key-file=${o.pki.servingKey}`,
      `--client-ca-file=${o.pki.caCert}`,
      '--authorization-mode=RBAC',
      // ClusterIPs are bookkeeping only: there is no kube-proxy here and nothing is ever
      // sent to them. Dual-stack so dual-stack Services can be created.
      '--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/108',
      '--allow-privileged=true',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${o.pki.saPub}`,
      `--service-account-signing-key-file=${o.pki.saKey}`,
      `--cert-dir=${join(o.stateDir, 'apiserver-certs')}`,
      '--profiling=false',
      '--v=1',
    ], join(logs, 'kube-apiserver.log'));
  }

  await waitFor('kube-apiserver /readyz', async () => {
    if (!isAlive(st.apiserverPid)) throw new Error(`kube-apiserver exited; see ${join(logs, 'kube-apiserver.log')}`);
    if (!isAlive(st.etcdPid)) throw new Error(`etcd exited; see ${join(logs, 'etcd.log')}`);
    const r = await apiGet(server, o.pki, '/readyz');
    return r.status === 200 ? true : undefined;
  }, 90_000, 200);

  if (!isAlive(st.kcmPid)) {
    log('starting kube-controller-manager');
    st.kcmPid = startDaemon(join(o.binDir, 'kube-controller-manager'), [
      `--kubeconfig=${o.adminKubeconfig}`,
      '--controllers=endpointslice-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller',
      '--leader-elect=false',
      '--secure-port=0',
      '--concurrent-service-endpoint-syncs=10',
      '--v=1',
    ], join(logs, 'kube-controller-manager.log'));
  }
  return st;
}

export function controlPlaneAlive(st: ControlPlaneState | undefined): boolean {
  return !!st && isAlive(st.etcdPid) && isAlive(st.apiserverPid) && isAlive(st.kcmPid);
}
