/**
 * Splits a document into parts of at most `partTokens` tokens (as `countTokens` counts them: the
 * extraction model's own tokenizer in the app), so each part fits the model's context beside the
 * prompt and the answer. Paragraphs stay whole where they fit; a longer paragraph is cut at
 * sentence ends (., !, ?, 。, ！, ？ and line breaks); a sentence longer than the budget is cut at the
 * longest prefix that fits (by code points, never half a character).
 *
 * Each paragraph and sentence is counted once and a part's size is the sum of its pieces plus one
 * token per join: a tokenizer may count a joined text a token or so differently than its pieces,
 * so `partTokens` should leave the prompt a little headroom.
 */
export function splitIntoParts(text: string, countTokens: (text: string) => number, partTokens: number): string[] {
  const units: Array<{ text: string; tokens: number; joiner: string }> = [];
  for (const paragraph of text.split(/\n[ \t\f\v\r]*\n/u)) {
    const trimmed = paragraph.trim();
    if (!trimmed) continue;
    const tokens = countTokens(trimmed);
    if (tokens <= partTokens) {
      units.push({ text: trimmed, tokens, joiner: '\n\n' });
      continue;
    }
    let first = true;
    for (const sentence of splitSentences(trimmed)) {
      const sentenceTokens = countTokens(sentence);
      const pieces = sentenceTokens <= partTokens ? [{ text: sentence, tokens: sentenceTokens }] : cutToBudget(sentence, countTokens, partTokens);
      for (const piece of pieces) {
        units.push({ ...piece, joiner: first ? '\n\n' : ' ' });
        first = false;
      }
    }
  }
  const parts: string[] = [];
  let current = '';
  let currentTokens = 0;
  for (const unit of units) {
    if (current && currentTokens + 1 + unit.tokens <= partTokens) {
      current += unit.joiner + unit.text;
      currentTokens += 1 + unit.tokens;
      continue;
    }
    if (current) parts.push(current);
    current = unit.text;
    currentTokens = unit.tokens;
  }
  if (current) parts.push(current);
  return parts;
}

function splitSentences(paragraph: string): string[] {
  return paragraph
    .split(/(?<=[.!?…])\s+|(?<=[。！？])|\n/u)
    .map((sentence) => sentence.trim())
    .filter(Boolean);
}

/** Consecutive pieces of `sentence`, each the longest prefix of what is left that fits the budget (at least one character). */
function cutToBudget(sentence: string, countTokens: (text: string) => number, budget: number): Array<{ text: string; tokens: number }> {
  const characters = [...sentence];
  const pieces: Array<{ text: string; tokens: number }> = [];
  let start = 0;
  while (start < characters.length) {
    // Binary search on the prefix length: the largest n whose text fits.
    let low = 1;
    let high = characters.length - start;
    let best = 1;
    let bestTokens = countTokens(characters.slice(start, start + 1).join(''));
    while (low <= high) {
      const middle = (low + high) >> 1;
      const tokens = countTokens(characters.slice(start, start + middle).join(''));
      if (tokens <= budget) {
        best = middle;
        bestTokens = tokens;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    const text = characters
      .slice(start, start + best)
      .join('')
      .trim();
    if (text) pieces.push({ text, tokens: bestTokens });
    start += best;
  }
  return pieces;
}
