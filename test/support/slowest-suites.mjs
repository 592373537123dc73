// Prints the ten slowest test files of the last Jest run (from test/support/suite-times-reporter.mjs).
import * as fs from 'node:fs';

const file = process.argv[2] ?? 'test-results/suite-times.json';
const count = Number(process.argv[3] ?? 10);
let report;
try {
  report = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch {
  console.log(`no suite times in ${file} (did the test run end?)`);
  process.exit(0);
}
console.log(
  `The ${count} slowest of ${report.suites.length} test files (whole run: ${report.wallSeconds} s):`,
);
for (const s of report.suites.slice(0, count))
  console.log(`${s.seconds.toFixed(1).padStart(7)} s  ${s.file}${s.failed ? '  (failed)' : ''}`);
