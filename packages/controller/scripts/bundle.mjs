// Bundles the built controller (dist/main.js and everything it imports) into ONE file,
// dist/ironlb-controller.mjs, the `ironlb-controller` bin.
//
// Why: loading @kubernetes/client-node as ~1,500 separate modules (every API and model
// class, auth providers) costs the process ~70 MB RSS before it does anything: each ESM
// module has its own records, and V8 keeps every module's source text. One file with
// whitespace and comments removed (names kept, so stack traces stay readable) loads
// the same code in ~45 MB less (bench/README.md, "Memory"). Nothing is tree-shaken
// away that runs: the generated serializer references every model.
//
// esbuild comes with tsx (a devDependency); run after `tsc -b` (root `postbuild`).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(pkg, 'dist/ironlb-controller.mjs');
await build({
  entryPoints: [join(pkg, 'dist/main.js')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minifyWhitespace: true,
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __ironlbCreateRequire } from 'node:module'; const require = __ironlbCreateRequire(import.meta.url);" },
});
chmodSync(outfile, 0o755);
