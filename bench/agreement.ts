/**
 * Inter-rater agreement over N items × 3 evaluators (target: median <= 1 s at 100,000): ordinal
 * Krippendorff's alpha, kappa for every pair and the list of disagreements, all from the
 * evaluation rows, as a report over a whole workspace would ask for them. Random verdicts 1..3,
 * about 10% of them missing, from a seeded generator so every run reads the same rows.
 */
import { disagreements, krippendorffAlpha, pairwiseKappa, unitsFromRows, type VerdictRow } from '../shared/agreement.ts';
import { median, round } from './lib.ts';

const items = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 5);
const evaluators = 3;

/** mulberry32: small, seeded, good enough for test data. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(13);
const rows: VerdictRow[] = [];
for (let item = 1; item <= items; item++) {
  for (let evaluator = 1; evaluator <= evaluators; evaluator++) {
    if (next() < 0.1) continue;
    rows.push({ itemId: item, evaluatorId: evaluator, verdict: 1 + Math.floor(next() * 3) });
  }
}

function measure() {
  const alpha = krippendorffAlpha(unitsFromRows(rows), { level: 'ordinal' });
  const pairs = pairwiseKappa(rows);
  const disagreeing = disagreements(rows);
  return { alpha, pairs, disagreeing };
}

measure();
const times: number[] = [];
let last = measure();
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  last = measure();
  times.push(performance.now() - started);
}
console.log(
  JSON.stringify(
    {
      benchmark: 'agreement',
      items,
      evaluators,
      rows: rows.length,
      runs,
      p50Ms: round(median(times)),
      maxMs: round(Math.max(...times)),
      // Random verdicts agree at chance: alpha and kappa near 0 show the figures are sane.
      ordinalAlpha: round(last.alpha.alpha ?? Number.NaN, 4),
      pairableUnits: last.alpha.units,
      pairKappas: last.pairs.map((pair) => ({ pair: `${pair.evaluatorA}-${pair.evaluatorB}`, items: pair.items, kappa: round(pair.kappa ?? Number.NaN, 4) })),
      disagreements: last.disagreeing.length,
      target: { p50Ms: 1000 },
    },
    null,
    2,
  ),
);
