import { isJsonObject, isLeaf, type Leaf, type LeafTest } from "./pattern-operators";
import type { Wildcard } from "./pattern-wildcard";

/**
 * One way to read the rest of a field name against an event object. Names are dot-joined, so "a.b.c" is found
 * under the event keys a → b → c, "a.b" → c, a → "b.c" or "a.b.c" [SEMANTICS 5]: each step offers every key that
 * takes one or more of the remaining segments, then the step for the segments left (none: a leaf).
 */
export interface PathStep {
  readonly keys: readonly { readonly key: string; readonly rest: PathStep | undefined }[];
}

/** A pattern field: one dot-joined name and its match list, compiled. */
export interface CompiledField {
  readonly name: string;
  readonly path: PathStep;
  /** Literal match values, compared with SameValueZero: by type, numbers as doubles. */
  readonly exact: ReadonlySet<Leaf>;
  readonly tests: readonly LeafTest[];
  /** The list holds `{"exists": false}`. */
  readonly absentOk: boolean;
  readonly wildcards: readonly Wildcard[];
}

/** Fields whose names share a first segment, so their event values may sit in the same array. */
export type FieldGroup = readonly CompiledField[];
/** One `$or`-free alternative of a pattern: every group must match. */
export type Branch = readonly FieldGroup[];

export function pathSteps(name: string): PathStep {
  const segments = name.split(".");
  const steps: PathStep[] = [];
  for (let start = segments.length - 1; start >= 0; start--) {
    const keys = [];
    for (let end = start; end < segments.length; end++) {
      keys.push({ key: segments.slice(start, end + 1).join("."), rest: steps[end + 1] });
    }
    steps[start] = { keys };
  }
  return steps[0] ?? { keys: [] };
}

function accepts(field: CompiledField, value: Leaf): boolean {
  if (field.exact.has(value)) return true;
  for (const test of field.tests) if (test(value)) return true;
  return false;
}

// What a walk along one field's path found, best last; "in array" means only inside an event array. Event
// arrays are flattened [SEMANTICS 4]; an empty array has no values and an object is never a value [SEMANTICS 3].
const NO_LEAF = 0;
const UNMATCHED_IN_ARRAY = 1;
const UNMATCHED = 2;
const MATCHED_IN_ARRAY = 3;
const MATCHED = 4;
type Found = typeof NO_LEAF | typeof UNMATCHED_IN_ARRAY | typeof UNMATCHED | typeof MATCHED_IN_ARRAY | typeof MATCHED;

function inArray(found: Found): Found {
  if (found === NO_LEAF) return NO_LEAF;
  return found >= MATCHED_IN_ARRAY ? MATCHED_IN_ARRAY : UNMATCHED_IN_ARRAY;
}

function searchValue(value: unknown, field: CompiledField): Found {
  if (Array.isArray(value)) {
    let found: Found = NO_LEAF;
    for (const element of value) {
      const inner = inArray(searchValue(element, field));
      if (inner === MATCHED_IN_ARRAY) return inner;
      if (inner > found) found = inner;
    }
    return found;
  }
  if (!isLeaf(value)) return NO_LEAF;
  return accepts(field, value) ? MATCHED : UNMATCHED;
}

function searchPath(node: unknown, step: PathStep, field: CompiledField): Found {
  if (Array.isArray(node)) {
    let found: Found = NO_LEAF;
    for (const element of node) {
      const inner = inArray(searchPath(element, step, field));
      if (inner === MATCHED_IN_ARRAY) return inner;
      if (inner > found) found = inner;
    }
    return found;
  }
  if (!isJsonObject(node)) return NO_LEAF;
  let found: Found = NO_LEAF;
  for (const { key, rest } of step.keys) {
    if (!Object.hasOwn(node, key)) continue;
    const inner = rest ? searchPath(node[key], rest, field) : searchValue(node[key], field);
    if (inner >= MATCHED_IN_ARRAY) return inner;
    if (inner > found) found = inner;
  }
  return found;
}

/** The arrays, outermost first, that hold an event value, and its index in each. */
type Trail = readonly { readonly array: readonly unknown[]; readonly index: number }[];

interface Candidate {
  readonly trail: Trail;
  readonly accepted: boolean;
}

function collectValue(value: unknown, field: CompiledField, trail: Trail, into: Candidate[]): void {
  if (Array.isArray(value)) {
    for (const [index, element] of value.entries()) {
      collectValue(element, field, [...trail, { array: value, index }], into);
    }
  } else if (isLeaf(value)) {
    into.push({ trail, accepted: accepts(field, value) });
  }
}

function collectPath(node: unknown, step: PathStep, field: CompiledField, trail: Trail, into: Candidate[]): void {
  if (Array.isArray(node)) {
    for (const [index, element] of node.entries()) {
      collectPath(element, step, field, [...trail, { array: node, index }], into);
    }
    return;
  }
  if (!isJsonObject(node)) return;
  for (const { key, rest } of step.keys) {
    if (!Object.hasOwn(node, key)) continue;
    if (rest) collectPath(node[key], rest, field, trail, into);
    else collectValue(node[key], field, trail, into);
  }
}

/** Whether two values can come from the same elements: they differ in no array they both sit in. */
function consistent(a: Trail, b: Trail): boolean {
  for (let depth = 0; depth < a.length && depth < b.length; depth++) {
    const x = a[depth];
    const y = b[depth];
    if (x?.array !== y?.array) return true;
    if (x?.index !== y?.index) return false;
  }
  return true;
}

/**
 * Array consistency [SEMANTICS 4, R "JSON Array Matching"]: the fields of a group must be satisfied by values
 * that never come from different elements of one array. A field that may be absent (`exists: false`) is absent
 * when none of its values could come from the elements the other fields' values were taken from; this holds
 * whatever the order of the fields (event-ruler checks only against the fields sorted before it).
 */
function consistentlyMatches(group: FieldGroup, root: Record<string, unknown>): boolean {
  const candidates = group.map((field) => {
    const into: Candidate[] = [];
    collectPath(root, field.path, field, [], into);
    return into;
  });
  const chosen: Trail[] = [];
  const mustBeAbsent: Candidate[][] = [];
  const fits = (trail: Trail) => chosen.every((other) => consistent(other, trail));
  const search = (index: number): boolean => {
    const field = group[index];
    const values = candidates[index];
    if (field === undefined || values === undefined) {
      return mustBeAbsent.every((absent) => !absent.some((value) => fits(value.trail)));
    }
    for (const value of values) {
      if (!value.accepted || !fits(value.trail)) continue;
      chosen.push(value.trail);
      if (search(index + 1)) return true;
      chosen.pop();
    }
    if (!field.absentOk) return false;
    mustBeAbsent.push(values);
    if (search(index + 1)) return true;
    mustBeAbsent.pop();
    return false;
  };
  return search(0);
}

/**
 * Checks each field on its own first, without allocating. That settles the group unless it has several fields
 * and one of them was matched, or may be absent, only by way of an event array: those need the
 * array-consistent search.
 */
function groupMatches(group: FieldGroup, root: Record<string, unknown>): boolean {
  const shared = group.length > 1;
  let undecided = false;
  for (const field of group) {
    const found = searchPath(root, field.path, field);
    if (shared && (found === MATCHED_IN_ARRAY || (found === UNMATCHED_IN_ARRAY && field.absentOk))) undecided = true;
    else if (found < MATCHED_IN_ARRAY && !(found === NO_LEAF && field.absentOk)) return false;
  }
  return !undecided || consistentlyMatches(group, root);
}

const NO_FIELDS: Record<string, unknown> = {};

/** Whether the event matches any branch. An event that is not a JSON object has no fields. */
export function matchesBranches(branches: readonly Branch[], event: unknown): boolean {
  const root = isJsonObject(event) ? event : NO_FIELDS;
  for (const branch of branches) {
    let matched = true;
    for (const group of branch) {
      if (!groupMatches(group, root)) {
        matched = false;
        break;
      }
    }
    if (matched) return true;
  }
  return false;
}
