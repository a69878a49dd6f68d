// `npm run images`: builds (or finds cached) the controller's and speaker's OCI images
// the way the image test does, and prints where they are, their layer sizes and the time
// taken. Root is needed (debootstrap, on the first run only). `npm run build` first.
import { run } from '../cluster/exec.js';
import { buildImage, type Component } from './build.js';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
for (const c of ['controller', 'speaker'] as Component[]) {
  const img = await buildImage(c, (m) => process.stderr.write(`${m}\n`));
  const raw = JSON.parse((await run('skopeo', ['inspect', '--raw', img.ref])).stdout) as { layers: { size: number }[] };
  const sizes = raw.layers.map((l) => l.size);
  console.log(`${c}: ${img.ref} (${img.cached ? 'cached' : 'built'} in ${img.ms} ms); layers ${sizes.map(mb).join(' + ')} = ${mb(sizes.reduce((a, b) => a + b, 0))} compressed`);
}
console.log('copy to a registry: skopeo copy oci:<layout>:<tag> docker://<registry>/<name>:<tag>');
