/**
 * Inter-rater agreement: Krippendorff's alpha against the published worked examples, Cohen's
 * kappa (plain and weighted) against tables worked by hand, the per-pair and disagreement views
 * over evaluation rows, and the cases where agreement is undefined.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cohenKappa, disagreements, krippendorffAlpha, pairwiseKappa, unitsFromRows, type VerdictRow } from '../shared/agreement.ts';

const close = (actual: number | null, expected: number, digits = 3, message?: string) => {
  assert.ok(actual !== null, message ?? `expected ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) < 0.5 * 10 ** -digits, message ?? `expected ${expected} to ${digits} decimals, got ${actual}`);
};

/** Rows from a table of observers (rows) × units (columns), null where an observer gave none. */
function rowsOf(table: Record<string, Array<number | null>>): VerdictRow[] {
  return Object.entries(table).flatMap(([evaluatorId, verdicts]) =>
    verdicts.flatMap((verdict, unit) => (verdict === null ? [] : [{ itemId: unit + 1, evaluatorId, verdict }])),
  );
}

/**
 * Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers, 12
 * units, values 1..5, with missing data. Unit 12 has one value and is not pairable, leaving 11
 * units and n = 40 values. The paper gives α = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval).
 */
const krippendorff2011 = rowsOf({
  A: [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  B: [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  C: [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  D: [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
});

/**
 * The worked example of the Wikipedia article "Krippendorff's alpha": 3 coders, 15 units, values
 * 1..4; 12 units pairable, n = 26. The article gives α = 0.691 (nominal) and 0.811 (interval).
 */
const wikipedia = rowsOf({
  A: [null, null, null, null, null, 3, 4, 1, 2, 1, 1, 3, 3, null, 3],
  B: [1, null, 2, 1, 3, 3, 4, 3, null, null, null, null, null, null, null],
  C: [null, null, 2, 1, 3, 4, 4, null, 2, 1, 1, 3, 3, null, 4],
});

test("Krippendorff's alpha matches Krippendorff's own worked example with missing data", () => {
  const units = unitsFromRows(krippendorff2011);
  // Exact fractions from an independent computation by the pairwise definition (mean δ² within
  // units over mean δ² between all pairable values, no coincidence matrix), which also
  // reproduces the paper's three published figures.
  const nominal = krippendorffAlpha(units, { level: 'nominal' });
  assert.equal(nominal.units, 11);
  assert.equal(nominal.pairableValues, 40);
  close(nominal.alpha, 0.743);
  close(nominal.alpha, 113 / 152, 12);
  close(nominal.observedDisagreement, 1 / 5, 12);
  close(nominal.expectedDisagreement, 152 / 195, 12);

  const ordinal = krippendorffAlpha(units, { level: 'ordinal' });
  close(ordinal.alpha, 0.815);
  close(ordinal.alpha, 108577 / 133160, 12);
  close(ordinal.observedDisagreement, 1891 / 40, 12);
  close(ordinal.expectedDisagreement, 3329 / 13, 12);

  const interval = krippendorffAlpha(units, { level: 'interval' });
  close(interval.alpha, 0.849);
  close(interval.alpha, 951 / 1120, 12);
  close(interval.observedDisagreement, 13 / 30, 12);
  close(interval.expectedDisagreement, 112 / 39, 12);
});

test("Krippendorff's alpha matches the Wikipedia worked example", () => {
  const units = unitsFromRows(wikipedia);
  const nominal = krippendorffAlpha(units, { level: 'nominal' });
  assert.equal(nominal.units, 12);
  assert.equal(nominal.pairableValues, 26);
  close(nominal.alpha, 0.691);
  close(nominal.alpha, 56 / 81, 12);
  close(krippendorffAlpha(units, { level: 'interval' }).alpha, 0.811);
  close(krippendorffAlpha(units, { level: 'interval' }).alpha, 643 / 793, 12);
  // Not in the article; from the same independent computation.
  close(krippendorffAlpha(units, { level: 'ordinal' }).alpha, 112173 / 139048, 12);
});

test('alpha by hand: two coders, three units', () => {
  // Units [1,1], [1,2], [2,2]: coincidences o_11 = 2, o_12 = o_21 = 1, o_22 = 2; n_1 = n_2 = 3, n = 6.
  // Nominal: D_o = 2/6, D_e = 2·3·3 / (6·5) = 18/30, α = 1 − (1/3)/(3/5) = 4/9.
  // Ordinal with two ranks: δ²_12 = (3 + 3 − 3)² = 9, so D_o = 2·9/6 = 3, D_e = 18·9/30, α = 4/9 again.
  const units = [[1, 1], [1, 2], [2, 2]];
  const nominal = krippendorffAlpha(units, { level: 'nominal' });
  close(nominal.alpha, 4 / 9, 12);
  close(nominal.observedDisagreement, 1 / 3, 12);
  close(nominal.expectedDisagreement, 3 / 5, 12);
  const ordinal = krippendorffAlpha(units, { level: 'ordinal' });
  close(ordinal.alpha, 4 / 9, 12);
  close(ordinal.observedDisagreement, 3, 12);
  close(ordinal.expectedDisagreement, 27 / 5, 12);
});

test('alpha depends only on what the level measures, not on order or labels', () => {
  const units = unitsFromRows(krippendorff2011);
  const reference = {
    nominal: krippendorffAlpha(units, { level: 'nominal' }).alpha!,
    ordinal: krippendorffAlpha(units, { level: 'ordinal' }).alpha!,
    interval: krippendorffAlpha(units, { level: 'interval' }).alpha!,
  };
  // Units and the verdicts within them in reverse order.
  const reversed = [...units].reverse().map((unit) => [...unit].reverse());
  for (const level of ['nominal', 'ordinal', 'interval'] as const) close(krippendorffAlpha(reversed, { level }).alpha, reference[level], 12);
  // Any relabelling for nominal, a monotone one for ordinal, an affine one for interval; typed
  // arrays and a generator are accepted as units too.
  const relabelled = units.map((unit) => Int8Array.from(unit, (value) => [0, 40, -7, 9, 3, 100][value]!));
  close(krippendorffAlpha(relabelled, { level: 'nominal' }).alpha, reference.nominal, 12);
  const monotone = units.map((unit) => unit.map((value) => value ** 3));
  close(krippendorffAlpha(monotone, { level: 'ordinal' }).alpha, reference.ordinal, 12);
  function* affine() {
    for (const unit of units) yield unit.map((value) => 10 - 2.5 * value);
  }
  close(krippendorffAlpha(affine(), { level: 'interval' }).alpha, reference.interval, 12);
});

test('alpha is null when there is nothing to measure', () => {
  for (const level of ['nominal', 'ordinal', 'interval'] as const) {
    // Empty input.
    assert.deepEqual(krippendorffAlpha([], { level }), { alpha: null, units: 0, pairableValues: 0, observedDisagreement: 0, expectedDisagreement: 0 });
    // A single evaluator: every unit has one value, none is pairable.
    const single = unitsFromRows([1, 2, 3, 2].map((verdict, item) => ({ itemId: item, evaluatorId: 'only', verdict })));
    assert.deepEqual(krippendorffAlpha(single, { level }), { alpha: null, units: 0, pairableValues: 0, observedDisagreement: 0, expectedDisagreement: 0 });
    // Everyone in one category: agreement cannot be told from chance.
    const same = krippendorffAlpha([[2, 2, 2], [2, 2], [2], []], { level });
    assert.deepEqual(same, { alpha: null, units: 2, pairableValues: 5, observedDisagreement: 0, expectedDisagreement: 0 });
  }
});

test('alpha ignores units left with one verdict by missing data', () => {
  const withLoners = krippendorffAlpha([[1, 1], [1, 2], [2, 2], [3], [], [1]], { level: 'nominal' });
  assert.equal(withLoners.units, 3);
  assert.equal(withLoners.pairableValues, 6);
  close(withLoners.alpha, 4 / 9, 12);
  // Perfect agreement across categories.
  assert.equal(krippendorffAlpha([[1, 1, 1], [3, 3], [2, 2]], { level: 'ordinal' }).alpha, 1);
});

test('a verdict that is not a finite number is refused', () => {
  assert.throws(() => krippendorffAlpha([[1, Number.NaN]], { level: 'nominal' }), RangeError);
  assert.throws(() => cohenKappa([[1, Number.POSITIVE_INFINITY]]), RangeError);
  assert.throws(() => pairwiseKappa([{ itemId: 1, evaluatorId: 1, verdict: Number.NaN }]), RangeError);
  assert.throws(() => disagreements([{ itemId: 1, evaluatorId: 1, verdict: undefined as unknown as number }]), RangeError);
});

/** Pairs for a contingency table: `table[i][j]` items where A said categories[i] and B categories[j]. */
function pairsOf(categories: number[], table: number[][]): Array<[number, number]> {
  return table.flatMap((row, i) => row.flatMap((count, j) => Array.from({ length: count }, () => [categories[i]!, categories[j]!] as [number, number])));
}

test("Cohen's kappa: the classic 50-item table", () => {
  // Both yes 20, A yes B no 5, A no B yes 10, both no 15: p_o = 35/50 = 0.7; A says yes 25/50,
  // B 30/50, so p_e = 0.5·0.6 + 0.5·0.4 = 0.5, and κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
  const result = cohenKappa(pairsOf([1, 2], [[20, 5], [10, 15]]));
  assert.equal(result.items, 50);
  close(result.observedAgreement, 0.7, 12);
  close(result.expectedAgreement, 0.5, 12);
  close(result.kappa, 0.4, 12);
});

test("Cohen's kappa: weighted, on a 3-verdict table worked by hand", () => {
  //            B=1  B=2  B=3 | A's
  //   A=1       10    4    1 |  15
  //   A=2        3   12    5 |  20
  //   A=3        1    2   12 |  15
  //   B's       14   18   18 |  50
  // Diagonal 34; one step apart 4 + 3 + 5 + 2 = 14; two steps apart 2.
  // Expected products: diagonal 15·14 + 20·18 + 15·18 = 840; one step 15·18 + 20·14 + 20·18 + 15·18 = 1180; of 2500.
  const pairs = pairsOf([1, 2, 3], [[10, 4, 1], [3, 12, 5], [1, 2, 12]]);
  // Unweighted: p_o = 34/50, p_e = 840/2500, κ = 0.344 / 0.664 = 43/83.
  const plain = cohenKappa(pairs);
  close(plain.observedAgreement, 0.68, 12);
  close(plain.expectedAgreement, 0.336, 12);
  close(plain.kappa, 43 / 83, 12);
  // Linear: one step apart agrees 1/2. p_o = (34 + 7)/50 = 0.82, p_e = (840 + 590)/2500 = 0.572, κ = 0.248 / 0.428 = 62/107.
  const linear = cohenKappa(pairs, { weights: 'linear' });
  close(linear.observedAgreement, 0.82, 12);
  close(linear.expectedAgreement, 0.572, 12);
  close(linear.kappa, 62 / 107, 12);
  // Quadratic: one step apart agrees 3/4. p_o = (34 + 10.5)/50 = 0.89, p_e = (840 + 885)/2500 = 0.69, κ = 0.2 / 0.31 = 20/31.
  const quadratic = cohenKappa(pairs, { weights: 'quadratic' });
  close(quadratic.observedAgreement, 0.89, 12);
  close(quadratic.expectedAgreement, 0.69, 12);
  close(quadratic.kappa, 20 / 31, 12);
  // Swapping the evaluators changes nothing.
  const swapped = pairs.map(([a, b]) => [b, a] as [number, number]);
  for (const weights of ['unweighted', 'linear', 'quadratic'] as const) close(cohenKappa(swapped, { weights }).kappa, cohenKappa(pairs, { weights }).kappa!, 12);
});

test("Cohen's kappa is null with no items or when both gave one and the same verdict throughout", () => {
  assert.deepEqual(cohenKappa([]), { kappa: null, items: 0, observedAgreement: null, expectedAgreement: null });
  for (const weights of ['unweighted', 'linear', 'quadratic'] as const) {
    assert.deepEqual(cohenKappa([[2, 2], [2, 2]], { weights }), { kappa: null, items: 2, observedAgreement: 1, expectedAgreement: 1 });
  }
  // Perfect agreement over two verdicts is 1; one evaluator constant while the other varies is 0.
  assert.equal(cohenKappa([[1, 1], [3, 3]]).kappa, 1);
  assert.equal(cohenKappa([[1, 1], [1, 3]]).kappa, 0);
});

test('pairwise kappa: every pair of evaluators, over the items both judged', () => {
  // Krippendorff's table: A and B share units 1-9, A and C 2-9, A and D 1-9, B and C 2-10, B and D 1-10, C and D 2-11.
  const pairs = pairwiseKappa(krippendorff2011);
  assert.deepEqual(
    pairs.map(({ evaluatorA, evaluatorB, items }) => [evaluatorA, evaluatorB, items]),
    [['A', 'B', 9], ['A', 'C', 8], ['A', 'D', 9], ['B', 'C', 9], ['B', 'D', 10], ['C', 'D', 10]],
  );
  // Each equals Cohen's kappa on the pairs built by hand from the table.
  const verdictOf = new Map(krippendorff2011.map((row) => [`${row.evaluatorId}/${row.itemId}`, row.verdict]));
  for (const pair of pairs) {
    const both: Array<[number, number]> = [];
    for (let unit = 1; unit <= 12; unit++) {
      const a = verdictOf.get(`${pair.evaluatorA}/${unit}`);
      const b = verdictOf.get(`${pair.evaluatorB}/${unit}`);
      if (a !== undefined && b !== undefined) both.push([a, b]);
    }
    const { kappa, items, observedAgreement, expectedAgreement } = cohenKappa(both, { weights: 'quadratic' });
    const weighted = pairwiseKappa(krippendorff2011, { weights: 'quadratic' }).find((p) => p.evaluatorA === pair.evaluatorA && p.evaluatorB === pair.evaluatorB)!;
    assert.deepEqual({ kappa: weighted.kappa, items: weighted.items, observedAgreement: weighted.observedAgreement, expectedAgreement: weighted.expectedAgreement }, { kappa, items, observedAgreement, expectedAgreement });
  }
  // A and B by hand: items 1-9 agree except unit 6 (1 vs 2): p_o = 8/9. A's counts 1:3 2:3 3:2 4:1,
  // B's 1:2 2:4 3:2 4:1, so p_e = (3·2 + 3·4 + 2·2 + 1·1)/81 = 23/81, κ = (72/81 − 23/81)/(58/81) = 49/58.
  close(pairs[0]!.kappa, 49 / 58, 12);
});

test('pairwise kappa: a pair that shares no item is listed with 0 items', () => {
  const rows: VerdictRow[] = [
    { itemId: 'x', evaluatorId: 1, verdict: 1 },
    { itemId: 'x', evaluatorId: 2, verdict: 1 },
    { itemId: 'y', evaluatorId: 3, verdict: 3 },
    { itemId: 'y', evaluatorId: 2, verdict: 2 },
  ];
  assert.deepEqual(pairwiseKappa(rows), [
    { evaluatorA: 1, evaluatorB: 2, kappa: null, items: 1, observedAgreement: 1, expectedAgreement: 1 },
    { evaluatorA: 1, evaluatorB: 3, kappa: null, items: 0, observedAgreement: null, expectedAgreement: null },
    { evaluatorA: 2, evaluatorB: 3, kappa: 0, items: 1, observedAgreement: 0, expectedAgreement: 0 },
  ]);
  assert.deepEqual(pairwiseKappa([]), []);
  assert.deepEqual(pairwiseKappa([{ itemId: 1, evaluatorId: 'solo', verdict: 2 }]), []);
});

test('disagreements: the items whose evaluators did not all agree', () => {
  const found = disagreements(krippendorff2011);
  // Units 2 (3 against 2s), 6 (1, 2, 3, 4) and 8 (C's 2 against 1s); unit 12 was judged once.
  assert.deepEqual(found, [
    { itemId: 2, verdicts: [{ evaluatorId: 'A', verdict: 2 }, { evaluatorId: 'B', verdict: 2 }, { evaluatorId: 'C', verdict: 3 }, { evaluatorId: 'D', verdict: 2 }] },
    { itemId: 6, verdicts: [{ evaluatorId: 'A', verdict: 1 }, { evaluatorId: 'B', verdict: 2 }, { evaluatorId: 'C', verdict: 3 }, { evaluatorId: 'D', verdict: 4 }] },
    { itemId: 8, verdicts: [{ evaluatorId: 'A', verdict: 1 }, { evaluatorId: 'B', verdict: 1 }, { evaluatorId: 'C', verdict: 2 }, { evaluatorId: 'D', verdict: 1 }] },
  ]);
  assert.deepEqual(disagreements([]), []);
});

test('a later row for the same item and evaluator replaces the earlier one', () => {
  const rows: VerdictRow[] = [
    { itemId: 7, evaluatorId: 'b', verdict: 1 },
    { itemId: 7, evaluatorId: 'a', verdict: 3 },
    { itemId: 7, evaluatorId: 'b', verdict: 3 },
    { itemId: 8, evaluatorId: 'a', verdict: 1 },
    { itemId: 8, evaluatorId: 'b', verdict: 2 },
    { itemId: 8, evaluatorId: 'a', verdict: 2 },
  ];
  assert.deepEqual(unitsFromRows(rows), [[3, 3], [2, 2]]);
  assert.deepEqual(disagreements(rows), []);
  assert.equal(pairwiseKappa(rows)[0]!.items, 2);
  assert.equal(pairwiseKappa(rows)[0]!.observedAgreement, 1);
  // Evaluators are listed in the order they first appear: b judged first.
  assert.deepEqual(disagreements(rows.slice(0, 2)), [{ itemId: 7, verdicts: [{ evaluatorId: 'b', verdict: 1 }, { evaluatorId: 'a', verdict: 3 }] }]);
});

test('any iterable of rows gives the same figures as an array, past every buffer size', () => {
  // 2,000 items × 3 evaluators with six verdict values: more rows than the first row buffer and
  // more categories than the first table, so both grow.
  let state = 7;
  const nextVerdict = () => (state = (state * 48271) % 2147483647) % 6;
  const rows: VerdictRow[] = [];
  for (let item = 0; item < 2000; item++) for (const evaluatorId of ['x', 'y', 'z']) rows.push({ itemId: `item-${item}`, evaluatorId, verdict: nextVerdict() });
  function* generated() {
    yield* rows;
  }
  assert.deepEqual(unitsFromRows(generated()), unitsFromRows(rows));
  assert.deepEqual(pairwiseKappa(generated(), { weights: 'linear' }), pairwiseKappa(rows, { weights: 'linear' }));
  assert.deepEqual(disagreements(generated()), disagreements(rows));
  // Unweighted kappa does not care which labels the six verdicts carry.
  const pairs = unitsFromRows(rows).map(([a, b]) => [a!, b!] as [number, number]);
  const relabelled = pairs.map(([a, b]) => [[9, -1, 4, 30, 2, 7][a]!, [9, -1, 4, 30, 2, 7][b]!] as [number, number]);
  close(cohenKappa(relabelled).kappa, cohenKappa(pairs).kappa!, 12);
  close(pairwiseKappa(rows).find((pair) => pair.evaluatorA === 'x' && pair.evaluatorB === 'y')!.kappa, cohenKappa(pairs).kappa!, 12);
});
