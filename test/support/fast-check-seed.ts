// Loaded into every test process (.taprc node-arg). Property tests explore random inputs on a
// developer's machine; in CI they replay one fixed seed, so a run is reproducible and a rare input
// cannot turn an unrelated submission red. FC_SEED=<n> replays any seed a failure printed.
import fc from 'fast-check';

const CI_SEED = 20261121;
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : process.env.CI ? CI_SEED : undefined;
if (seed !== undefined) fc.configureGlobal({ seed });
