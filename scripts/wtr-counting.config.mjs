// The project's web-test-runner config plus a reporter that writes pass/fail counts to the JSON file named
// by QPAY_TEST_COUNTS, so `npm test` can sum node and browser results. Used only by scripts/test.mjs.
import { defaultReporter } from '@web/test-runner';
import { writeFileSync } from 'node:fs';
import config from '../web-test-runner.config.mjs';

function countTests(suite, counts) {
  if (!suite) return;
  for (const test of suite.tests ?? []) {
    if (test.skipped) counts.skipped += 1;
    else if (test.passed) counts.passed += 1;
    else counts.failed += 1;
  }
  for (const child of suite.suites ?? []) countTests(child, counts);
}

function countingReporter(destination) {
  return {
    onTestRunFinished({ sessions }) {
      const counts = { passed: 0, failed: 0, skipped: 0, brokenFiles: [] };
      for (const session of sessions) {
        const before = counts.failed;
        countTests(session.testResults, counts);
        // A file that failed to load or threw outside a test has no failing test to count: count the file.
        if (session.passed === false && counts.failed === before) {
          counts.failed += 1;
          counts.brokenFiles.push(session.testFile);
        }
      }
      writeFileSync(destination, JSON.stringify(counts));
    },
  };
}

const destination = process.env.QPAY_TEST_COUNTS;
export default {
  ...config,
  reporters: [...(config.reporters ?? [defaultReporter()]), ...(destination ? [countingReporter(destination)] : [])],
};
