/**
 * A readable diff of two answers, for the re-judging screen and the PoC report. Pure code: shared/
 * imports neither side, so the renderer and the main process use the same one.
 */

export interface DiffSegment {
  kind: 'same' | 'added' | 'removed';
  text: string;
}

/**
 * One token each: a run of whitespace; one Chinese, Japanese or Korean character (these scripts
 * put no spaces between words, so a word-level diff would treat a whole sentence as one word);
 * one emoji with its modifiers and zero-width-joined parts (so a family emoji is never torn apart);
 * one punctuation mark or symbol; otherwise a run of anything else (a word, a number). Marks
 * following a character stay with it. The `u` flag makes the regex step by code point, so a
 * surrogate pair is never split. The alternatives cover every code point, so the tokens always
 * join back to the input.
 */
const cjk = String.raw`\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}\p{Script_Extensions=Hangul}`;
const tokenPattern = new RegExp(
  [
    String.raw`\s+`,
    String.raw`\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F|\u20E3|\u200D\p{Extended_Pictographic})*`,
    String.raw`[${cjk}\p{P}\p{S}]\p{M}*`,
    String.raw`[^\s${cjk}\p{P}\p{S}\p{Extended_Pictographic}]+`,
  ].join('|'),
  'gu',
);

function tokenize(text: string): string[] {
  return text.match(tokenPattern) ?? [];
}

/**
 * Myers' search costs about (tokens × edits) steps and keeps one row per edit for the way back,
 * so both are capped: past either budget the differing middle is shown as one removal and one
 * addition, which is also what a reader would make of answers that different. These caps keep
 * two unrelated 200,000-character answers well under a second and a few tens of MB.
 */
const maxEdits = 2_000;
const maxSteps = 20_000_000;

/** Word-level diff; character-level inside Chinese, Japanese and Korean runs (no spaces between words there). */
export function diffText(before: string, after: string): DiffSegment[] {
  if (before === after) return before === '' ? [] : [{ kind: 'same', text: before }];
  const a = tokenize(before);
  const b = tokenize(after);

  // Tokens become small integers so the inner loop compares numbers, not strings.
  const ids = new Map<string, number>();
  const idOf = (token: string) => {
    let id = ids.get(token);
    if (id === undefined) ids.set(token, (id = ids.size));
    return id;
  };
  const aIds = Int32Array.from(a, idOf);
  const bIds = Int32Array.from(b, idOf);

  // Answers re-asked after training mostly share a beginning and an end: those cost nothing.
  let start = 0;
  while (start < a.length && start < b.length && aIds[start] === bIds[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && aIds[endA - 1] === bIds[endB - 1]) {
    endA--;
    endB--;
  }

  const segments: DiffSegment[] = [];
  const push = (kind: DiffSegment['kind'], tokens: string[], from: number, to: number) => {
    if (to > from) segments.push({ kind, text: tokens.slice(from, to).join('') });
  };
  push('same', a, 0, start);
  const middle = myers(aIds.subarray(start, endA), bIds.subarray(start, endB));
  if (middle === null) {
    push('removed', a, start, endA);
    push('added', b, start, endB);
  } else {
    for (const op of middle) {
      if (op.kind === 'added') push('added', b, start + op.bFrom, start + op.bTo);
      else push(op.kind, a, start + op.aFrom, start + op.aTo);
    }
  }
  push('same', a, endA, a.length);
  return tidy(segments);
}

interface Op {
  kind: DiffSegment['kind'];
  aFrom: number;
  aTo: number;
  bFrom: number;
  bTo: number;
}

/** Myers' O(ND) shortest edit script, or null when it would cost more than the budgets allow. */
function myers(a: Int32Array, b: Int32Array): Op[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [{ kind: n === 0 ? 'added' : 'removed', aFrom: 0, aTo: n, bFrom: 0, bTo: m }];

  const limit = Math.min(n + m, maxEdits);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  // trace[d] holds v[-d-1 … d+1] as it was before round d: what the way back from round d reads.
  const trace: Int32Array[] = [];
  let steps = 0;
  let found = -1;
  search: for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    steps += 2 * d + 3;
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      const snakeFrom = x;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      steps += x - snakeFrom + 1;
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break search;
      }
    }
    if (steps > maxSteps) return null;
  }
  if (found < 0) return null;

  // Walk back from the end; ops come out last first.
  const ops: Op[] = [];
  const add = (kind: Op['kind'], aFrom: number, aTo: number, bFrom: number, bTo: number) => ops.push({ kind, aFrom, aTo, bFrom, bTo });
  let x = n;
  let y = m;
  for (let d = found; d >= 0; d--) {
    const row = trace[d]!;
    const at = (k: number) => row[k + d + 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    // The snake: the diagonal run of equal tokens that ended this round.
    const snakeStart = d === 0 ? 0 : down ? prevX : prevX + 1;
    if (x > snakeStart) add('same', snakeStart, x, y - (x - snakeStart), y);
    if (d > 0) {
      if (down) add('added', prevX, prevX, prevY, prevY + 1);
      else add('removed', prevX, prevX + 1, prevY, prevY);
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/**
 * Merges neighbours of one kind and puts each change as "removed, then added", the way people
 * read a correction. A lone run of whitespace between two changes that together replace text
 * joins them: "the cat" → "a dog" reads better as one replacement than as two around an
 * unchanged space.
 */
function tidy(segments: DiffSegment[]): DiffSegment[] {
  const blocks = merge(segments);
  const changeKinds = (from: number, step: number) => {
    const kinds = new Set<DiffSegment['kind']>();
    for (let i = from; blocks[i] && blocks[i]!.kind !== 'same'; i += step) kinds.add(blocks[i]!.kind);
    return kinds;
  };
  const joined = blocks.flatMap((segment, index): DiffSegment[] => {
    if (segment.kind !== 'same' || !/^\s+$/u.test(segment.text)) return [segment];
    const before = changeKinds(index - 1, -1);
    const after = changeKinds(index + 1, 1);
    const around = new Set([...before, ...after]);
    if (before.size === 0 || after.size === 0 || around.size < 2) return [segment];
    return [
      { kind: 'removed', text: segment.text },
      { kind: 'added', text: segment.text },
    ];
  });
  return slideToWordStarts(merge(joined));
}

/**
 * An inserted or removed word can often sit on either side of a space ("on | time" + " late" or
 * "late "): put the space after it, so the change starts where the word starts.
 */
function slideToWordStarts(segments: DiffSegment[]): DiffSegment[] {
  for (let i = 1; i + 1 < segments.length; i++) {
    const [left, change, right] = [segments[i - 1]!, segments[i]!, segments[i + 1]!];
    if (left.kind !== 'same' || right.kind !== 'same' || change.kind === 'same') continue;
    // The space moves only while text stays on the right, so no segment ever empties.
    while (/^\s/u.test(change.text) && right.text.length > 1 && right.text[0] === change.text[0]) {
      const space = change.text[0]!;
      left.text += space;
      change.text = change.text.slice(1) + space;
      right.text = right.text.slice(1);
    }
  }
  return segments;
}

function merge(segments: DiffSegment[]): DiffSegment[] {
  const result: DiffSegment[] = [];
  let removed = '';
  let added = '';
  const flush = () => {
    if (removed) result.push({ kind: 'removed', text: removed });
    if (added) result.push({ kind: 'added', text: added });
    removed = added = '';
  };
  for (const segment of segments) {
    if (segment.kind === 'removed') removed += segment.text;
    else if (segment.kind === 'added') added += segment.text;
    else {
      flush();
      const last = result.at(-1);
      if (last?.kind === 'same') last.text += segment.text;
      else if (segment.text) result.push({ ...segment });
    }
  }
  flush();
  return result;
}
