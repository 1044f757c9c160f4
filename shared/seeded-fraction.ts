/**
 * A seeded, stable pseudo-random number in [0, 1) for an (seed, id) pair: ordering rows by it
 * draws the same sample for the same seed whatever order the rows were read in.
 */
export function seededFraction(seed: number, id: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ id, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 2 ** 32;
}
