import { fail } from "./pattern-error";

/** A wildcard pattern as the literal pieces between its `*`s: "a*b\\*c" is ["a", "b*c"]. */
export type Wildcard = readonly string[];

/** Byte offset of `index` in the pattern as event-ruler sees it: UTF-8, after an opening quote. */
function position(pattern: string, index: number): number {
  return 1 + Buffer.byteLength(pattern.slice(0, index));
}

/**
 * Parses a wildcard pattern: `*` matches zero or more characters, `\*` is a literal star and `\\` a literal
 * backslash. Any other escape and `**` are rejected with event-ruler's texts and positions
 * [R input/WildcardParser].
 */
export function parseWildcard(pattern: string): Wildcard {
  const pieces: string[] = [];
  let piece = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*") {
      if (pattern[i + 1] === "*") fail(`Consecutive wildcard characters at pos ${position(pattern, i)}`);
      pieces.push(piece);
      piece = "";
    } else if (char === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\") fail(`Invalid escape character at pos ${position(pattern, i)}`);
      piece += next;
      i++;
    } else {
      piece += char;
    }
  }
  pieces.push(piece);
  return pieces;
}

/**
 * Whether `value` matches: the first piece must be a prefix, the last a suffix, and the middle pieces must
 * appear in order in between. Taking each middle piece at its leftmost position is optimal when `*` is the
 * only wildcard, so this runs in linear passes without backtracking.
 */
export function matchesWildcard(wildcard: Wildcard, value: string): boolean {
  const [first = "", ...rest] = wildcard;
  const last = rest.pop();
  if (last === undefined) return value === first;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  const end = value.length - last.length;
  let at = first.length;
  for (const piece of rest) {
    const found = value.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** The most simultaneously active NFA states the wildcards of one field may produce before rejection. */
export const WILDCARD_COMPLEXITY_LIMIT = 10;
const MAX_EXPLORED_STATE_SETS = 10_000;

interface NfaState {
  readonly id: number;
  /** A `*`: stays active on any character. */
  readonly star: boolean;
  readonly next: Map<string, NfaState[]>;
  readonly epsilon: NfaState[];
  /** Transitions shared by every wildcard that reaches this state before its first `*`. */
  readonly shared: { star?: NfaState; literal: Map<string, NfaState> };
}

/** A wildcard as event-ruler's byte machine reads it: between quotes, `undefined` standing for `*`. */
function tokens(wildcard: Wildcard): (string | undefined)[] {
  const result: (string | undefined)[] = ['"'];
  wildcard.forEach((piece, index) => {
    if (index > 0) result.push(undefined);
    result.push(...piece);
  });
  result.push('"');
  return result;
}

/**
 * An NFA over all wildcards of one field. Like event-ruler's byte machine, the wildcards share their states up
 * to and including their first `*`; after it each wildcard has its own states.
 */
function buildNfa(wildcards: readonly Wildcard[]): NfaState {
  let count = 0;
  const state = (star: boolean): NfaState => ({
    id: count++,
    star,
    next: new Map(),
    epsilon: [],
    shared: { literal: new Map() },
  });
  const start = state(false);
  for (const wildcard of wildcards) {
    let current = start;
    let shared = true;
    for (const token of tokens(wildcard)) {
      const reused = shared
        ? token === undefined
          ? current.shared.star
          : current.shared.literal.get(token)
        : undefined;
      const target = reused ?? state(token === undefined);
      if (!reused && token === undefined) {
        current.epsilon.push(target);
        if (shared) current.shared.star = target;
      } else if (!reused && token !== undefined) {
        current.next.set(token, [...(current.next.get(token) ?? []), target]);
        if (shared) current.shared.literal.set(token, target);
      }
      if (token === undefined) shared = false;
      current = target;
    }
  }
  return start;
}

function closure(active: Set<NfaState>): Set<NfaState> {
  const pending = [...active];
  for (let state = pending.pop(); state !== undefined; state = pending.pop()) {
    for (const next of state.epsilon) {
      if (!active.has(next)) {
        active.add(next);
        pending.push(next);
      }
    }
  }
  return active;
}

function alphabetOf(start: NfaState): string[] {
  const letters = new Set<string>();
  const seen = new Set<NfaState>();
  const pending = [start];
  for (let state = pending.pop(); state !== undefined; state = pending.pop()) {
    if (seen.has(state)) continue;
    seen.add(state);
    pending.push(...state.epsilon);
    for (const [letter, targets] of state.next) {
      letters.add(letter);
      pending.push(...targets);
    }
  }
  // One character that no wildcard mentions stands for all of them.
  return [...letters, "\u0000other"];
}

/**
 * How many wildcard prefixes a worst-case value can keep alive at once: the largest set of simultaneously
 * active NFA states over every input. Each `*` and each repeating sequence after a `*` adds states, which is
 * what AWS's "Rule is too complex" rejection counts (event-ruler MachineComplexityEvaluator). The service's
 * threshold is undocumented; {@link WILDCARD_COMPLEXITY_LIMIT} keeps the wildcards AWS is known to accept and
 * rejects the ones it is known to reject. Returns a value above the limit as soon as one is found.
 */
export function wildcardComplexity(wildcards: readonly Wildcard[]): number {
  if (wildcards.length === 0) return 0;
  const start = buildNfa(wildcards);
  const alphabet = alphabetOf(start);
  const seen = new Set<string>();
  const pending = [closure(new Set([start]))];
  let maximum = 0;
  for (let active = pending.pop(); active !== undefined; active = pending.pop()) {
    const key = [...active]
      .map((state) => state.id)
      .sort((a, b) => a - b)
      .join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    maximum = Math.max(maximum, active.size);
    if (maximum > WILDCARD_COMPLEXITY_LIMIT || seen.size > MAX_EXPLORED_STATE_SETS)
      return WILDCARD_COMPLEXITY_LIMIT + 1;
    for (const letter of alphabet) {
      const next = new Set<NfaState>();
      for (const state of active) {
        if (state.star) next.add(state);
        for (const target of state.next.get(letter) ?? []) next.add(target);
      }
      if (next.size > 0) pending.push(closure(next));
    }
  }
  return maximum;
}
