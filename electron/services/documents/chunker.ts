import type { TextSection } from './extract.ts';

export interface Chunk {
  index: number;
  text: string;
  tokens: number;
  page?: number;
  section?: string;
}

export interface ChunkOptions {
  /** Maximum tokens per chunk, counted with the embedding model's own tokenizer. */
  size: number;
  /** Tokens of the previous chunk repeated at the start of the next. */
  overlap: number;
  countTokens: (text: string) => number;
}

const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });
const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Splits a too-long sentence at grapheme boundaries (never inside a surrogate pair, a combining
 * sequence or a Hangul syllable), taking as many graphemes as fit by binary search on token count.
 */
function splitLongSentence(sentence: string, size: number, countTokens: (text: string) => number): string[] {
  const graphemes = Array.from(graphemeSegmenter.segment(sentence), (s) => s.segment);
  const pieces: string[] = [];
  let start = 0;
  while (start < graphemes.length) {
    let low = start + 1;
    let high = graphemes.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (countTokens(graphemes.slice(start, mid).join('')) <= size) low = mid;
      else high = mid - 1;
    }
    pieces.push(graphemes.slice(start, low).join(''));
    start = low;
  }
  return pieces;
}

interface Unit {
  text: string;
  tokens: number;
  page?: number;
  section?: string;
}

/**
 * Packs sentences into chunks of at most `size` tokens, carrying up to `overlap` tokens of whole
 * sentences into the next chunk. Each chunk keeps the page and section of its first sentence.
 * Sentence segmentation follows Unicode rules, so 。！？ end CJK sentences without spaces.
 */
export function chunkSections(sections: TextSection[], options: ChunkOptions): Chunk[] {
  const size = Math.max(8, options.size);
  const overlap = Math.max(0, Math.min(options.overlap, Math.floor(size / 2)));
  const units: Unit[] = [];
  for (const section of sections) {
    const anchor = { ...(section.page !== undefined && { page: section.page }), ...(section.section !== undefined && { section: section.section }) };
    for (const { segment } of sentenceSegmenter.segment(section.text)) {
      if (segment.trim() === '') continue;
      const tokens = options.countTokens(segment);
      if (tokens <= size) units.push({ text: segment, tokens, ...anchor });
      else for (const piece of splitLongSentence(segment, size, options.countTokens)) units.push({ text: piece, tokens: options.countTokens(piece), ...anchor });
    }
  }

  const chunks: Chunk[] = [];
  let current: Unit[] = [];
  let currentTokens = 0;
  const emit = () => {
    if (current.length === 0) return;
    const first = current[0]!;
    const text = current.map((u) => u.text).join('').trim();
    // The sum of the sentences' counts bounds the chunk's (special tokens are counted per sentence).
    chunks.push({ index: chunks.length, text, tokens: current.reduce((sum, u) => sum + u.tokens, 0), ...(first.page !== undefined && { page: first.page }), ...(first.section !== undefined && { section: first.section }) });
    // Overlap: keep trailing whole sentences (same page) worth at most `overlap` tokens.
    const carried: Unit[] = [];
    let carriedTokens = 0;
    for (let i = current.length - 1; i > 0; i--) {
      const unit = current[i]!;
      if (carriedTokens + unit.tokens > overlap) break;
      carried.unshift(unit);
      carriedTokens += unit.tokens;
    }
    current = carried;
    currentTokens = carriedTokens;
  };
  for (const unit of units) {
    const pageChanged = current.length > 0 && current[current.length - 1]!.page !== unit.page;
    if (pageChanged || currentTokens + unit.tokens > size) {
      emit();
      if (pageChanged) {
        current = [];
        currentTokens = 0;
      }
      // The carried overlap gives way when it and the next sentence would not fit together.
      while (current.length > 0 && currentTokens + unit.tokens > size) currentTokens -= current.shift()!.tokens;
    }
    current.push(unit);
    currentTokens += unit.tokens;
  }
  emit();
  // A carried-over tail alone is not a new chunk.
  return chunks.filter((chunk, i) => i === 0 || chunk.text !== chunks[i - 1]!.text);
}
