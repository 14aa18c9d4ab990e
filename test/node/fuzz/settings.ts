// Shared settings of the property-based fuzzers (fast-check): a fixed seed, so every run tries the same
// inputs and a failure reproduces; FUZZ_SEED picks another seed, FUZZ_RUNS more (or fewer) inputs.
// A failure prints the seed and the shrunk counterexample; the seed is also printed on every run.
import fc from 'fast-check';
import type { TestContext } from 'node:test';

export const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
export const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/** Runs a property with the shared seed and run count, and says so in the test output. */
export function check<T>(t: TestContext, property: fc.IProperty<T>): void {
  t.diagnostic(`fast-check seed ${SEED}, ${RUNS} runs (FUZZ_SEED=${SEED} to reproduce)`);
  fc.assert(property, { seed: SEED, numRuns: RUNS });
}

/** Hostile text: any code units (lone surrogates, controls, bidi, zero-width) mixed with printable ASCII. */
export const hostileString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom('\u0000', '\t', '\n', '\u007F', '\u00AD', '\u200B', '\u202E', '\uFEFF', '\u0131', '&', '#', ';', '%', ':', '/', '\\', '@', ' ', 'a', 'A'), maxLength }),
  );
