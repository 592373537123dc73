// A Jest reporter that records how long each test file took (wall clock, from Jest's own
// perfStats) in test-results/suite-times.json, slowest first, so a slow suite is visible at
// every stop: `node test/support/slowest-suites.mjs` prints the ten slowest (.ci/run does).
import * as fs from 'node:fs';
import * as path from 'node:path';

export default class SuiteTimesReporter {
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.file = path.resolve(this.rootDir, options.outputFile ?? 'test-results/suite-times.json');
  }

  onRunComplete(_contexts, results) {
    const suites = results.testResults
      .map((r) => ({
        file: path.relative(this.rootDir, r.testFilePath),
        seconds: Math.round((r.perfStats.end - r.perfStats.start) / 10) / 100,
        tests: r.numPassingTests + r.numFailingTests + r.numPendingTests,
        failed: r.numFailingTests > 0 || Boolean(r.testExecError),
      }))
      .sort((a, b) => b.seconds - a.seconds);
    const wallSeconds = Math.round((Date.now() - results.startTime) / 100) / 10;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, `${JSON.stringify({ wallSeconds, suites }, null, 2)}\n`);
  }
}
