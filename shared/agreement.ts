/**
 * Inter-rater agreement over verdicts (1 good / 2 insufficient / 3 wrong in EvalDesk, but any
 * numeric categories work): Krippendorff's alpha for any number of evaluators with missing
 * verdicts, Cohen's kappa for two, kappa for every pair of evaluators, and the items they disagree
 * on. Pure code: shared/ imports neither side, so the main process and the renderer use the same.
 *
 * Every function throws a RangeError on a verdict that is not a finite number: a NaN or undefined
 * passed in for a missing verdict would otherwise count as one more category and silently change
 * the figures. A missing verdict is left out instead: no row, or no value in the unit.
 */

export type Id = string | number;

/** One evaluator's verdict on one item, as the evaluations table holds it. Ids compare with ===, so 1 and '1' differ. */
export interface VerdictRow {
  itemId: Id;
  evaluatorId: Id;
  verdict: number;
}

/**
 * How far apart two verdicts are. `nominal`: the same or not. `ordinal`: by rank, with ranks that
 * many evaluators share counting as closer (Krippendorff's rank metric). `interval`: by the
 * squared numeric difference.
 */
export type AlphaLevel = 'nominal' | 'ordinal' | 'interval';

export interface AlphaResult {
  /** 1 is perfect agreement, 0 is agreement at chance; null where it is undefined (see below). */
  alpha: number | null;
  /** Pairable units: units with at least two verdicts. The others say nothing about agreement. */
  units: number;
  /** Krippendorff's n: the verdicts in pairable units. */
  pairableValues: number;
  /** D_o: the mean disagreement between verdicts on the same unit. */
  observedDisagreement: number;
  /** D_e: the mean disagreement between any two pairable verdicts, whatever their unit. */
  expectedDisagreement: number;
}

/**
 * Krippendorff's alpha, α = 1 − D_o / D_e, through the coincidence matrix of Krippendorff (2011),
 * "Computing Krippendorff's Alpha-Reliability".
 *
 * `units` holds one entry per item: the verdicts its evaluators gave, in any order, with missing
 * verdicts simply absent (so `[]`, `[2]`, `[1, 1, 3]` are all valid units). Any iterable of array
 * likes works (`number[][]`, a generator of `Int8Array`s), and the units are read once, so a
 * generator over a large table never needs to be held in memory. `unitsFromRows` builds them
 * from evaluation rows.
 *
 * alpha is null where there is nothing to measure: no pairable unit, or D_e = 0 (every verdict
 * in one category, where agreement cannot be told from chance). The disagreements are then 0.
 */
export function krippendorffAlpha(units: Iterable<ArrayLike<number>>, options: { level: AlphaLevel }): AlphaResult {
  const coincidences = new SquareTable();
  // Per-unit verdict counts by category, reset after each unit through `touched`, so a unit
  // costs its own size rather than the number of categories.
  let counts = new Float64Array(coincidences.capacity);
  const touched: number[] = [];
  // n_c, counted directly rather than summed from the fractional coincidences, so it stays exact.
  const marginals: number[] = [];
  let pairableUnits = 0;
  let n = 0;
  for (const unit of units) {
    const size = unit.length;
    if (size < 2) continue;
    pairableUnits++;
    n += size;
    for (let i = 0; i < size; i++) {
      const category = coincidences.indexOf(unit[i]!);
      if (counts.length < coincidences.capacity) counts = grown(counts, coincidences.capacity);
      if (counts[category] === 0) touched.push(category);
      counts[category]!++;
      marginals[category] = (marginals[category] ?? 0) + 1;
    }
    // Each verdict is paired with each of the other size − 1 verdicts on its unit, every pair
    // weighing 1 / (size − 1), so that each verdict contributes 1 in all: o_ck = Σ_u n_uc (n_uk − [c = k]) / (m_u − 1).
    const pairWeight = 1 / (size - 1);
    const stride = coincidences.capacity;
    for (const c of touched) {
      const countC = counts[c]!;
      for (const k of touched) {
        coincidences.cells[c * stride + k]! += countC * (c === k ? countC - 1 : counts[k]!) * pairWeight;
      }
    }
    for (const c of touched) counts[c] = 0;
    touched.length = 0;
  }

  if (pairableUnits === 0) return { alpha: null, units: 0, pairableValues: 0, observedDisagreement: 0, expectedDisagreement: 0 };

  const values = coincidences.values;
  const stride = coincidences.capacity;
  const distance = squaredDistance(options.level, values, marginals);
  let observedSum = 0;
  let expectedSum = 0;
  for (let c = 0; c < values.length; c++) {
    for (let k = 0; k < values.length; k++) {
      const delta = distance(c, k);
      observedSum += coincidences.cells[c * stride + k]! * delta;
      expectedSum += marginals[c]! * marginals[k]! * delta;
    }
  }
  const observedDisagreement = observedSum / n;
  const expectedDisagreement = expectedSum / (n * (n - 1));
  return {
    alpha: expectedDisagreement === 0 ? null : 1 - observedDisagreement / expectedDisagreement,
    units: pairableUnits,
    pairableValues: n,
    observedDisagreement,
    expectedDisagreement,
  };
}

/** δ²_ck between category indices, for the categories in `values` with pairable counts `marginals`. */
function squaredDistance(level: AlphaLevel, values: number[], marginals: number[]): (c: number, k: number) => number {
  if (level === 'nominal') return (c, k) => (c === k ? 0 : 1);
  if (level === 'interval') return (c, k) => (values[c]! - values[k]!) ** 2;
  // Ordinal: δ²_ck = (Σ_{g=c}^{k} n_g − (n_c + n_k) / 2)², over categories ranked by value; a
  // prefix sum of the ranked counts gives each Σ in constant time.
  const ranked = values.map((_, index) => index).sort((a, b) => values[a]! - values[b]!);
  const rankOf = new Array<number>(values.length);
  const countsBefore = [0];
  for (const [rank, category] of ranked.entries()) {
    rankOf[category] = rank;
    countsBefore.push(countsBefore[rank]! + marginals[category]!);
  }
  return (c, k) => {
    const [low, high] = rankOf[c]! <= rankOf[k]! ? [rankOf[c]!, rankOf[k]!] : [rankOf[k]!, rankOf[c]!];
    return (countsBefore[high + 1]! - countsBefore[low]! - (marginals[c]! + marginals[k]!) / 2) ** 2;
  };
}

/**
 * `unweighted`: any two different verdicts disagree fully. `linear` and `quadratic`: verdicts
 * disagree by their distance on the scale (|a − b| or (a − b)²), so "good" against "insufficient"
 * costs less than "good" against "wrong". The verdict values are the positions on the scale.
 */
export type KappaWeights = 'unweighted' | 'linear' | 'quadratic';

export interface KappaResult {
  /** 1 is perfect agreement, 0 is agreement at chance; null with no items or where p_e = 1. */
  kappa: number | null;
  /** Items both evaluators judged. */
  items: number;
  /**
   * p_o: the (weighted) share of agreement, null with no items. Weighted agreement on a pair of
   * verdicts is 1 − distance / the widest distance between the verdicts seen; kappa does not
   * depend on that scaling.
   */
  observedAgreement: number | null;
  /** p_e: the agreement expected from each evaluator's own spread of verdicts, null with no items. */
  expectedAgreement: number | null;
}

export interface KappaOptions {
  /** Defaults to `unweighted`. */
  weights?: KappaWeights;
}

/**
 * Cohen's kappa, κ = (p_o − p_e) / (1 − p_e), for two evaluators: one `[verdictOfA, verdictOfB]`
 * pair per item both judged. Null where p_e = 1 (both gave one and the same verdict throughout,
 * so agreement cannot be told from chance).
 */
export function cohenKappa(pairs: Iterable<readonly [number, number]>, options: KappaOptions = {}): KappaResult {
  const table = new SquareTable();
  let items = 0;
  for (const [a, b] of pairs) {
    const row = table.indexOf(a);
    const column = table.indexOf(b);
    table.cells[row * table.capacity + column]!++;
    items++;
  }
  return kappaFromTable(table.cells, table.capacity, table.values, items, options.weights ?? 'unweighted');
}

/** Kappa from a contingency table (`stride` wide, rows A's verdicts, columns B's). */
function kappaFromTable(cells: ArrayLike<number>, stride: number, values: number[], items: number, weights: KappaWeights): KappaResult {
  if (items === 0) return { kappa: null, items: 0, observedAgreement: null, expectedAgreement: null };
  // Only the categories this pair used: the others add nothing, and leaving them out keeps the
  // widest distance (the weight scale) to what was seen.
  const used: number[] = [];
  const rowSums: number[] = [];
  const columnSums: number[] = [];
  for (let c = 0; c < values.length; c++) {
    let rowSum = 0;
    let columnSum = 0;
    for (let k = 0; k < values.length; k++) {
      rowSum += cells[c * stride + k]!;
      columnSum += cells[k * stride + c]!;
    }
    if (rowSum + columnSum === 0) continue;
    used.push(c);
    rowSums[c] = rowSum;
    columnSums[c] = columnSum;
  }
  const distance = (c: number, k: number) => {
    if (weights === 'unweighted') return c === k ? 0 : 1;
    const gap = Math.abs(values[c]! - values[k]!);
    return weights === 'linear' ? gap : gap * gap;
  };
  let widest = 0;
  for (const c of used) for (const k of used) widest = Math.max(widest, distance(c, k));

  let observed = 0;
  let expected = 0;
  for (const c of used) {
    for (const k of used) {
      // With one category there is no scale: every pair agrees fully.
      const agreement = widest === 0 ? 1 : 1 - distance(c, k) / widest;
      if (agreement === 0) continue;
      observed += agreement * cells[c * stride + k]!;
      expected += agreement * rowSums[c]! * columnSums[k]!;
    }
  }
  const observedAgreement = observed / items;
  const expectedAgreement = expected / (items * items);
  return {
    kappa: expectedAgreement === 1 ? null : (observedAgreement - expectedAgreement) / (1 - expectedAgreement),
    items,
    observedAgreement,
    expectedAgreement,
  };
}

export interface PairKappa extends KappaResult {
  evaluatorA: Id;
  evaluatorB: Id;
}

/**
 * Cohen's kappa for every pair of evaluators in `rows`, over the items both judged (`items`, 0
 * for a pair that shares none). Pairs come in the order the evaluators first appear in `rows`,
 * A before B. A later row for the same item and evaluator replaces the earlier one, as saving a
 * verdict again does.
 */
export function pairwiseKappa(rows: Iterable<VerdictRow>, options: KappaOptions = {}): PairKappa[] {
  const { evaluatorIds, start, evaluators, verdicts } = groupByItem(rows);
  const categories = new Map<number, number>();
  const categoryOf = new Int32Array(verdicts.length);
  for (let i = 0; i < verdicts.length; i++) {
    let category = categories.get(verdicts[i]!);
    if (category === undefined) categories.set(verdicts[i]!, (category = categories.size));
    categoryOf[i] = category;
  }
  const values = [...categories.keys()];
  const width = values.length;
  const evaluatorCount = evaluatorIds.length;
  // One contingency table per pair that shares an item, made on first use: most pairs of a
  // large panel may share none.
  const tables = new Array<Float64Array | undefined>(evaluatorCount * evaluatorCount);
  const shared = new Array<number>(evaluatorCount * evaluatorCount).fill(0);
  for (let item = 0; item + 1 < start.length; item++) {
    // An item's verdicts are ordered by evaluator, so i < j pairs evaluator A with a later B.
    for (let i = start[item]!; i < start[item + 1]!; i++) {
      for (let j = i + 1; j < start[item + 1]!; j++) {
        const slot = evaluators[i]! * evaluatorCount + evaluators[j]!;
        const table = (tables[slot] ??= new Float64Array(width * width));
        table[categoryOf[i]! * width + categoryOf[j]!]!++;
        shared[slot]!++;
      }
    }
  }
  const result: PairKappa[] = [];
  for (let a = 0; a < evaluatorCount; a++) {
    for (let b = a + 1; b < evaluatorCount; b++) {
      const slot = a * evaluatorCount + b;
      const kappa = kappaFromTable(tables[slot] ?? [], width, values, shared[slot]!, options.weights ?? 'unweighted');
      result.push({ evaluatorA: evaluatorIds[a]!, evaluatorB: evaluatorIds[b]!, ...kappa });
    }
  }
  return result;
}

export interface Disagreement {
  itemId: Id;
  /** Every verdict on the item, in the order the evaluators first appear in the rows. */
  verdicts: Array<{ evaluatorId: Id; verdict: number }>;
}

/**
 * The items whose evaluators did not all give the same verdict, in the order the items first
 * appear in `rows`. An item judged once has no one to disagree with and is left out. A later row
 * for the same item and evaluator replaces the earlier one.
 */
export function disagreements(rows: Iterable<VerdictRow>): Disagreement[] {
  const { itemIds, evaluatorIds, start, evaluators, verdicts } = groupByItem(rows);
  const result: Disagreement[] = [];
  for (let item = 0; item < itemIds.length; item++) {
    const from = start[item]!;
    const to = start[item + 1]!;
    let agreed = true;
    for (let i = from + 1; i < to && agreed; i++) agreed = verdicts[i] === verdicts[from];
    if (agreed) continue;
    const given: Disagreement['verdicts'] = [];
    for (let i = from; i < to; i++) given.push({ evaluatorId: evaluatorIds[evaluators[i]!]!, verdict: verdicts[i]! });
    result.push({ itemId: itemIds[item]!, verdicts: given });
  }
  return result;
}

/**
 * The units `krippendorffAlpha` reads, from evaluation rows: one list of verdicts per item, in the
 * order the items first appear. A later row for the same item and evaluator replaces the earlier one.
 */
export function unitsFromRows(rows: Iterable<VerdictRow>): number[][] {
  const { itemIds, start, verdicts } = groupByItem(rows);
  const units: number[][] = [];
  for (let item = 0; item < itemIds.length; item++) {
    const unit: number[] = [];
    for (let i = start[item]!; i < start[item + 1]!; i++) unit.push(verdicts[i]!);
    units.push(unit);
  }
  return units;
}

/**
 * Rows grouped by item in flat typed arrays rather than an object and two arrays per item, which
 * at 100,000 items spends most of the time allocating: item i's verdicts are at start[i] up to
 * start[i + 1], ordered by evaluator (indices into `evaluatorIds`, numbered by first appearance),
 * each evaluator once.
 */
interface Grouped {
  itemIds: Id[];
  evaluatorIds: Id[];
  start: Int32Array;
  evaluators: Int32Array;
  verdicts: Float64Array;
}

function groupByItem(rows: Iterable<VerdictRow>): Grouped {
  const evaluatorIndex = new Map<Id, number>();
  const evaluatorIds: Id[] = [];
  const itemIndex = new Map<Id, number>();
  const itemIds: Id[] = [];
  // Typed buffers, sized up front for an array and doubled as needed otherwise: pushing 300,000
  // rows onto plain arrays took several times longer.
  const capacity = Array.isArray(rows) ? Math.max(rows.length, 1) : 1024;
  let rowItems = new Int32Array(capacity);
  let rowEvaluators = new Int32Array(capacity);
  let rowVerdicts = new Float64Array(capacity);
  let rowCount = 0;
  for (const { itemId, evaluatorId, verdict } of rows) {
    checkVerdict(verdict);
    let evaluator = evaluatorIndex.get(evaluatorId);
    if (evaluator === undefined) {
      evaluator = evaluatorIds.length;
      evaluatorIndex.set(evaluatorId, evaluator);
      evaluatorIds.push(evaluatorId);
    }
    let item = itemIndex.get(itemId);
    if (item === undefined) {
      item = itemIds.length;
      itemIndex.set(itemId, item);
      itemIds.push(itemId);
    }
    if (rowCount === rowItems.length) {
      rowItems = grown(rowItems, rowCount * 2);
      rowEvaluators = grown(rowEvaluators, rowCount * 2);
      rowVerdicts = grown(rowVerdicts, rowCount * 2);
    }
    rowItems[rowCount] = item;
    rowEvaluators[rowCount] = evaluator;
    rowVerdicts[rowCount] = verdict;
    rowCount++;
  }

  // A counting sort by item, keeping row order within an item.
  const start = new Int32Array(itemIds.length + 1);
  for (let row = 0; row < rowCount; row++) start[rowItems[row]! + 1]!++;
  for (let item = 0; item < itemIds.length; item++) start[item + 1]! += start[item]!;
  const next = start.slice(0, itemIds.length);
  const evaluators = new Int32Array(rowCount);
  const verdicts = new Float64Array(rowCount);
  for (let row = 0; row < rowCount; row++) {
    const at = next[rowItems[row]!]!++;
    evaluators[at] = rowEvaluators[row]!;
    verdicts[at] = rowVerdicts[row]!;
  }

  // Within each item, an insertion sort by evaluator that lets a later row of the same evaluator
  // replace the earlier one, compacting in place: the write position never passes the read one.
  // An item has a handful of evaluators, so the quadratic sort costs less than anything cleverer.
  let write = 0;
  for (let item = 0; item < itemIds.length; item++) {
    const from = start[item]!;
    const to = start[item + 1]!;
    const first = write;
    start[item] = first;
    for (let read = from; read < to; read++) {
      const evaluator = evaluators[read]!;
      const verdict = verdicts[read]!;
      let at = write;
      while (at > first && evaluators[at - 1]! > evaluator) at--;
      if (at > first && evaluators[at - 1] === evaluator) {
        verdicts[at - 1] = verdict;
        continue;
      }
      for (let shift = write; shift > at; shift--) {
        evaluators[shift] = evaluators[shift - 1]!;
        verdicts[shift] = verdicts[shift - 1]!;
      }
      evaluators[at] = evaluator;
      verdicts[at] = verdict;
      write++;
    }
  }
  start[itemIds.length] = write;
  return { itemIds, evaluatorIds, start, evaluators: evaluators.subarray(0, write), verdicts: verdicts.subarray(0, write) };
}

function checkVerdict(verdict: number) {
  if (!Number.isFinite(verdict)) throw new RangeError(`A verdict must be a finite number, got ${String(verdict)}`);
}

/**
 * A square table of counts indexed by category, the categories numbered as they are first seen,
 * growing as new ones appear: the category set need not be known before the data is read.
 */
class SquareTable {
  /** The category value of each index. */
  readonly values: number[] = [];
  capacity = 4;
  cells = new Float64Array(this.capacity * this.capacity);
  readonly #indexOf = new Map<number, number>();

  indexOf(value: number): number {
    const known = this.#indexOf.get(value);
    if (known !== undefined) return known;
    checkVerdict(value);
    const index = this.values.length;
    this.#indexOf.set(value, index);
    this.values.push(value);
    if (index >= this.capacity) this.#grow();
    return index;
  }

  #grow() {
    const old = this.cells;
    const oldCapacity = this.capacity;
    this.capacity *= 2;
    this.cells = new Float64Array(this.capacity * this.capacity);
    for (let row = 0; row < oldCapacity; row++) this.cells.set(old.subarray(row * oldCapacity, (row + 1) * oldCapacity), row * this.capacity);
  }
}

function grown<Typed extends Int32Array | Float64Array>(array: Typed, length: number): Typed {
  const copy = new (array.constructor as new (length: number) => Typed)(length);
  copy.set(array);
  return copy;
}
