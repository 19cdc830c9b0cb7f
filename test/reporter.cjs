// mocha's dot reporter plus one plain closing line ("N passed, N failed, N skipped")
// that CI reads to know tests ran.
const Mocha = require('mocha');
const { Dot } = Mocha.reporters;
class Closing extends Dot {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = this.stats;
      process.stdout.write(`\ntests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}
module.exports = Closing;
