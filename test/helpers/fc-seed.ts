/**
 * Every fast-check property in `npm test` runs with one fixed seed, so a failure is a fact about the
 * code, reproducible, never a roll of the dice; fast-check prints the seed and the shrunk
 * counterexample when one fails. `npm run test:random` (FC_SEED=random) explores new seeds; a seed
 * it reports is replayed with `FC_SEED=<seed> npx vitest run <file>`.
 */
import fc from 'fast-check';

const FIXED_SEED = 20_261_203;

function seedFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return FIXED_SEED;
  if (value === 'random') {
    const seed = (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
    process.stderr.write(`fast-check seed for this run: FC_SEED=${seed}\n`);
    return seed;
  }
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`FC_SEED must be an integer or "random", not ${JSON.stringify(value)}`);
  return n;
}

fc.configureGlobal({ seed: seedFromEnv(process.env.FC_SEED) });
