// Answers every HTTP request with this node's name, on port 80 of every local address
// (so also on VIPs put on `lo`): lets the client see which node served it.
// Plain JS so it starts in tens of milliseconds inside each node namespace.
import { createServer } from 'node:http';

const name = process.argv[2] ?? 'unknown';
const port = Number(process.argv[3] ?? 80);
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${name}\n`);
});
server.keepAliveTimeout = 0;
// '::' with ipv6Only false also accepts IPv4 (as ::ffff:a.b.c.d).
server.listen({ host: '::', port, ipv6Only: false }, () => process.stdout.write(`listening ${name} :${port}\n`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
