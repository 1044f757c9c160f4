/**
 * How entity names are compared (seed 002: "deduplicated by name"): Unicode NFKC (full-width
 * Ｎ２ＳＱＬ is N2SQL, half-width ｶﾀｶﾅ is カタカナ, decomposed Hangul is composed), then case
 * folding, then runs of white space made one space and trimmed. The same key is stored in
 * graph_entities.normalized_name and made of a question before entity names are looked for in it.
 */

/**
 * JavaScript has no full Unicode case folding; upper- then lower-casing comes close to it for
 * names (ß and SS meet as ss, final ς and Σ as σ), and NFKC again after it keeps the key stable.
 */
export function normalizeName(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/** `text` with white space runs made one space and trimmed, cut to `max` code points (never half a surrogate pair). */
export function clipText(text: string, max: number): string {
  const collapsed = text.replace(/\s+/gu, ' ').trim();
  if (collapsed.length <= max) return collapsed;
  return [...collapsed].slice(0, max).join('').trim();
}

/** Code points, not UTF-16 units: a Korean or Japanese name of two characters is 2. */
export const codePointLength = (text: string) => [...text].length;

/**
 * Scripts written without spaces between words: a name is found anywhere in a question where its
 * edge or the character beside it is of one of them (Korean attaches particles: "A프로젝트에서",
 * "N2SQL을"); otherwise the name must stand apart from the letters around it ("AI" is not found
 * in "said").
 */
const unspacedScript = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const wordCharacter = /[\p{L}\p{N}\p{M}]/u;

/** Two neighbouring characters are separate words unless both are letters or digits of spaced scripts ("N2SQL을" is N2SQL and a particle). */
const apart = (left: string, right: string) => !wordCharacter.test(left) || !wordCharacter.test(right) || unspacedScript.test(left) || unspacedScript.test(right);

/**
 * Where `name` (normalized) occurs in `question` (normalized) as a whole name: the start index of
 * each occurrence whose edges are not glued to other letters, unless the edge character is of an
 * unspaced script.
 */
export function occurrences(question: string, name: string): number[] {
  const found: number[] = [];
  if (!name) return found;
  const first = String.fromCodePoint(name.codePointAt(0)!);
  const last = [...name].at(-1)!;
  for (let at = question.indexOf(name); at !== -1; at = question.indexOf(name, at + 1)) {
    const before = at > 0 ? [...question.slice(Math.max(0, at - 2), at)].at(-1)! : '';
    const after = String.fromCodePoint(question.codePointAt(at + name.length) ?? 32);
    const startOk = !before || apart(before, first);
    const endOk = apart(last, after);
    if (startOk && endOk) found.push(at);
  }
  return found;
}
