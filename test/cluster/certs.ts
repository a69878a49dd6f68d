// A throwaway PKI for one cluster, made with openssl: a CA, the apiserver's serving
// certificate (with every address clients use as a SAN), an admin client certificate in
// system:masters, and the service-account signing key pair.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.js';

export interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

export function pkiPaths(dir: string): Pki {
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
  };
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function signed(p: Pki, dir: string, name: string, subj: string, ext: string, cert: string, key: string) {
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  await run('openssl', ['req', '-new', ...ecKey, '-keyout', key, '-out', csr, '-subj', subj]);
  await run('openssl', [
    'x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-CAcreateserial',
    '-out', cert, '-days', '365', '-sha256', '-extfile', extFile,
  ]);
}

/** Creates the PKI in `dir` unless it is already there (cluster:up is idempotent). */
export async function ensurePki(dir: string, serverIps: string[]): Promise<Pki> {
  const p = pkiPaths(dir);
  if (existsSync(p.saPub)) return p;
  mkdirSync(dir, { recursive: true });
  await run('openssl', ['req', '-x509', ...ecKey, '-keyout', p.caKey, '-out', p.caCert, '-days', '365', '-subj', '/CN=ironlb-test-ca']);
  const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const san = [...serverIps.map((ip) => `IP:${ip}`), ...dns.map((d) => `DNS:${d}`)].join(',');
  await signed(p, dir, 'apiserver', '/CN=kube-apiserver',
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
    p.servingCert, p.servingKey);
  await signed(p, dir, 'admin', '/O=system:masters/CN=ironlb-admin',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    p.adminCert, p.adminKey);
  await run('openssl', ['genrsa', '-out', p.saKey, '2048']);
  await run('openssl', ['rsa', '-in', p.saKey, '-pubout', '-out', p.saPub]);
  return p;
}
