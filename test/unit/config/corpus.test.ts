// The config corpus: every case's verdict must equal the one the real Heartbeat 3.0.6 gave
// (recorded by test/fixtures/config/record-real.ts), and every refusal must name file and line.
import { expect } from 'chai';
import { basename } from 'node:path';
import { caseNames, loadCase, readCase } from './corpus-helpers.js';

describe('config corpus (verdicts recorded from the real Heartbeat 3.0.6)', () => {
  const names = caseNames();

  it('holds at least 25 cases, each with a recorded real verdict', () => {
    expect(names.length).to.be.at.least(25);
    for (const n of names) expect(readCase(n).real, n).to.have.property('verdict');
  });

  for (const name of names) {
    const c = readCase(name);
    it(`${name}: ${c.real?.verdict === 'started' ? 'starts' : 'is refused'} as the real Heartbeat (exit ${c.real?.exit ?? '?'})`, () => {
      const { result } = loadCase(name);
      const errors = result.issues.filter((i) => i.severity === 'error');
      const ours = result.config === null ? 'refused' : 'started';
      expect(ours === 'refused', 'config is null exactly when there is an error').to.equal(errors.length > 0);
      const realStarted = c.real?.verdict === 'started';
      if (c.differs === undefined) {
        expect(ours, `real Heartbeat: ${c.real?.verdict} ${(c.real?.lines ?? []).join(' | ')}`).to.equal(realStarted ? 'started' : 'refused');
      } else {
        expect(ours, `knowingly differs: ${c.differs}`).to.equal(c.ours?.verdict);
      }
      if (c.ours?.includes !== undefined) {
        const first = errors[0] ?? result.issues[0];
        expect(first, 'an issue').to.not.equal(undefined);
        expect(basename(first?.file ?? ''), 'file').to.equal(c.ours.file);
        expect(first?.line, 'line').to.equal(c.ours.line);
        expect(first?.message).to.include(c.ours.includes);
      }
    });
  }
});
