// A client loop of short TCP connects, run inside the client namespace: one HTTP GET to
// VIP:port every `everyMs`, each on a fresh connection with a short timeout, for
// `durationMs`. Prints one JSON line per attempt — {"t": start ns (CLOCK_MONOTONIC, the
// same clock in every namespace), "ok", "node" (who served it), "ms"} — then {"done":true}.
// Plain JS so it starts in tens of milliseconds; it stops by itself (bounded in time and
// count) and sends only to the VIP it is given.
import { request } from 'node:http';
import { setInterval, clearInterval } from 'node:timers';

const [host, portArg, durationArg, everyArg, timeoutArg] = process.argv.slice(2);
const port = Number(portArg ?? 80);
const durationMs = Number(durationArg ?? 5000);
const everyMs = Number(everyArg ?? 10);
const timeoutMs = Number(timeoutArg ?? 200);
const maxAttempts = Math.ceil(durationMs / everyMs) + 1;
const start = process.hrtime.bigint();
let attempts = 0;
let inflight = 0;

function attempt() {
  const t = process.hrtime.bigint();
  attempts++;
  inflight++;
  let done = false;
  const finish = (ok, node) => {
    if (done) return;
    done = true;
    inflight--;
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    process.stdout.write(`${JSON.stringify({ t: t.toString(), ok, node, ms: Math.round(ms * 10) / 10 })}\n`);
  };
  const req = request({ host, port, path: '/', agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => finish(res.statusCode === 200, body.trim()));
    res.on('error', () => finish(false, null));
  });
  req.on('timeout', () => {
    req.destroy();
    finish(false, null);
  });
  req.on('error', () => finish(false, null));
  req.end();
}

const timer = setInterval(() => {
  if (Number(process.hrtime.bigint() - start) / 1e6 >= durationMs || attempts >= maxAttempts) {
    clearInterval(timer);
    const wait = setInterval(() => {
      if (inflight === 0) {
        clearInterval(wait);
        process.stdout.write('{"done":true}\n');
      }
    }, 20);
    return;
  }
  attempt();
}, everyMs);
attempt();
