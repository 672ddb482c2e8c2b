/**
 * Word error rate (WER) for evaluating speech recognizers: a word-level Levenshtein
 * alignment of a hypothesis against a reference, after the same normalization the rest of
 * voicechart uses for transcripts (case, punctuation and spacing are ignored; characters of
 * unspaced scripts such as Chinese count as one word each).
 */

import { transcriptTokens } from './transcripts.ts';

/** Result of {@link wordErrorRate} and {@link corpusWer}. */
export interface WerResult {
  /**
   * `(substitutions + deletions + insertions) / referenceWords`. Can exceed 1 when the
   * hypothesis has many insertions. An empty reference gives 0 for an empty hypothesis and
   * `Infinity` otherwise.
   */
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Number of (normalized) words in the reference. */
  referenceWords: number;
}

/**
 * Aligns `hypothesis` with `reference` word by word (minimum edit distance; among equal-cost
 * alignments, substitutions are preferred over a deletion plus an insertion) and counts the
 * edits. Both texts go through `transcriptTokens` (lower-cased, punctuation stripped).
 *
 * @example
 * ```ts
 * wordErrorRate('Go forward ten meters.', 'go forward two meters please');
 * // { wer: 0.5, substitutions: 1, deletions: 0, insertions: 1, referenceWords: 4 }
 * ```
 */
export function wordErrorRate(reference: string, hypothesis: string): WerResult {
  const ref = transcriptTokens(reference);
  const hyp = transcriptTokens(hypothesis);
  const cols = hyp.length + 1;
  // cost[i][j]: edits to turn ref[0..i) into hyp[0..j); one row array per i, kept for the backtrace.
  const cost: Uint32Array[] = [];
  for (let i = 0; i <= ref.length; i++) {
    const row = new Uint32Array(cols);
    if (i === 0) {
      for (let j = 0; j < cols; j++) row[j] = j;
    } else {
      const prev = cost[i - 1]!;
      row[0] = i;
      for (let j = 1; j < cols; j++) {
        const diagonal = prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
        row[j] = Math.min(diagonal, prev[j]! + 1, row[j - 1]! + 1);
      }
    }
    cost.push(row);
  }

  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  let i = ref.length;
  let j = hyp.length;
  while (i > 0 || j > 0) {
    const here = cost[i]![j]!;
    if (i > 0 && j > 0) {
      const same = ref[i - 1] === hyp[j - 1];
      if (here === cost[i - 1]![j - 1]! + (same ? 0 : 1)) {
        if (!same) substitutions++;
        i--;
        j--;
        continue;
      }
    }
    if (i > 0 && here === cost[i - 1]![j]! + 1) {
      deletions++;
      i--;
    } else {
      insertions++;
      j--;
    }
  }
  return werResult(substitutions, deletions, insertions, ref.length);
}

/**
 * Corpus-level WER: edits summed over all pairs divided by the total reference words (not
 * the mean of per-utterance rates, so long utterances weigh more).
 *
 * @example
 * ```ts
 * corpusWer([
 *   { reference: 'he was not an ill disposed young man', hypothesis: 'he was not until this blows young man' },
 *   { reference: 'go forward ten meters', hypothesis: 'go forward ten meters' },
 * ]).wer; // 3 substitutions / 12 reference words = 0.25
 * ```
 */
export function corpusWer(pairs: Iterable<{ reference: string; hypothesis: string }>): WerResult {
  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  let referenceWords = 0;
  for (const { reference, hypothesis } of pairs) {
    const r = wordErrorRate(reference, hypothesis);
    substitutions += r.substitutions;
    deletions += r.deletions;
    insertions += r.insertions;
    referenceWords += r.referenceWords;
  }
  return werResult(substitutions, deletions, insertions, referenceWords);
}

function werResult(
  substitutions: number,
  deletions: number,
  insertions: number,
  referenceWords: number,
): WerResult {
  const errors = substitutions + deletions + insertions;
  const wer =
    referenceWords === 0 ? (errors === 0 ? 0 : Number.POSITIVE_INFINITY) : errors / referenceWords;
  return { wer, substitutions, deletions, insertions, referenceWords };
}
