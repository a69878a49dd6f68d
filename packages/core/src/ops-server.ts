// The operations endpoint every component serves: /metrics (Prometheus text), /healthz
// (the process is alive and its loop turns) and /readyz (caches synced, able to act).
// Knows nothing of prom-client: the caller passes how to render metrics.
import { createServer, type Server } from 'node:http';

export interface OpsHandlers {
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Reasons the component is not ready; empty when ready. */
  notReady: () => string[];
}

export interface OpsServer {
  address: string;
  close(): Promise<void>;
}

/** `addr` is host:port, [v6]:port or :port (all addresses). */
export function parseListenAddress(addr: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr.trim());
  if (!m) throw new Error(`invalid listen address "${addr}": want host:port, [ipv6]:port or :port`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid listen address "${addr}": port ${port} out of range`);
  const host = m[1] ?? (m[2] || undefined);
  return { host, port };
}

export function startOpsServer(listen: string, h: OpsHandlers): Promise<OpsServer> {
  const { host, port } = parseListenAddress(listen);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      h.metrics().then(
        (m) => {
          res.writeHead(200, { 'content-type': m.contentType });
          res.end(m.body);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${String(err)}\n`);
        },
      );
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const reasons = h.notReady();
      res.writeHead(reasons.length === 0 ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(reasons.length === 0 ? 'ok\n' : `${reasons.join('\n')}\n`);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      const address = typeof a === 'object' && a ? `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}` : listen;
      resolve({ address, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
