// Prints one plain closing line for CI ("tests: N passed, N failed, N skipped") from the
// JSON reports vitest writes for the unit, e2e and demo projects.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const f of ['.cache/vitest-unit.json', '.cache/vitest-e2e.json', '.cache/vitest-demo.json']) {
  if (!existsSync(f)) {
    console.error(`summary: ${f} is missing (did that test project run?)`);
    failed++;
    continue;
  }
  const r = JSON.parse(readFileSync(f, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
