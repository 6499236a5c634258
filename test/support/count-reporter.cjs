// Mocha reporter: the usual Spec output, plus the run's counts written as JSON to
// $SOCK_SHOP_TEST_COUNTS so test/run.ts can print one summary line for all suites.
'use strict';
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, skipped: 0 };
    runner.on(EVENT_TEST_PASS, () => counts.passed++);
    runner.on(EVENT_TEST_FAIL, () => counts.failed++);
    runner.on(EVENT_TEST_PENDING, () => counts.skipped++);
    runner.once(EVENT_RUN_END, () => {
      if (process.env.SOCK_SHOP_TEST_COUNTS) writeFileSync(process.env.SOCK_SHOP_TEST_COUNTS, JSON.stringify(counts));
    });
  }
}
module.exports = CountReporter;
