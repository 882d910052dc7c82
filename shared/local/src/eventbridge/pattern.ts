/**
 * Amazon EventBridge event patterns: validation with AWS's error texts, and matching with AWS's semantics
 * (aws/event-ruler, which EventBridge runs). The rules and their sources are in
 * shared/local/test/fixtures/event-patterns/SEMANTICS.md; comments cite it as [SEMANTICS n], and event-ruler's
 * sources as [R ...].
 *
 * A pattern compiles to a list of branches, one per combination of `$or` alternatives, as event-ruler's
 * JsonRuleCompiler expands it; each branch holds compiled fields keyed by their dot-joined names.
 */
import { fail, InvalidEventPatternError } from "./pattern-error";
import { type Branch, type CompiledField, type FieldGroup, matchesBranches, pathSteps } from "./pattern-match";
import { compileMatchValue, isJsonObject, type Leaf, type LeafTest } from "./pattern-operators";
import { WILDCARD_COMPLEXITY_LIMIT, type Wildcard, wildcardComplexity } from "./pattern-wildcard";

export { InvalidEventPatternError };

export interface CompiledEventPattern {
  /** The pattern as parsed JSON. */
  readonly pattern: unknown;
  /** Whether an event, given as parsed JSON, matches. */
  matches(event: unknown): boolean;
}

const OR = "$or";

/** Field names event-ruler reserves inside `$or` [R Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP]. */
const RESERVED_IN_OR = new Set([
  "exactly",
  "equals-ignore-case",
  "prefix",
  "suffix",
  "anything-but",
  "exists",
  "wildcard",
  "numeric",
  "cidr",
  "=",
  "<",
  "<=",
  ">",
  ">=",
  "regex",
  "not-wildcard",
  "not-equals-ignore-case",
  "date-after",
  "date-on-or-after",
  "date-before",
  "date-on-or-before",
  "in-date-range",
  "ip-address-in-range",
  "ip-address-not-in-range",
]);

/** AWS rejects patterns whose `$or`s expand to more alternatives than this [D2]; the reason text is ours. */
const MAX_BRANCHES = 1000;

/** A branch being built: field name → compiled field. A later field with the same name replaces an earlier one. */
type Rule = Map<string, CompiledField>;

function compileField(name: string, entries: readonly unknown[]): CompiledField {
  const exact = new Set<Leaf>();
  const tests: LeafTest[] = [];
  const wildcards: Wildcard[] = [];
  let absentOk = false;
  for (const entry of entries) {
    const value = compileMatchValue(entry);
    if (value.kind === "exact") exact.add(value.value);
    else if (value.kind === "absent") absentOk = true;
    else {
      tests.push(value.test);
      wildcards.push(...(value.wildcards ?? []));
    }
  }
  if (entries.length === 0) fail("Empty arrays are not allowed");
  return { name, path: pathSteps(name), exact, tests, absentOk, wildcards };
}

/** Sets the field in every branch so far; duplicate names keep the last one [SEMANTICS 6, 5]. */
function writeField(rules: Rule[], field: CompiledField): void {
  if (rules.length === 0) rules.push(new Map());
  for (const rule of rules) rule.set(field.name, field);
}

/**
 * Replaces the branches so far by one copy per `$or` alternative, each extended with that alternative's fields
 * (and any `$or` nested in it); fields after the `$or` then go into every copy [R parseIntoOrRelationship].
 * A `$or` that is not an array is an error, as in JsonRuleCompiler (event-ruler's legacy fallback that reads it
 * as a plain field name is not reproduced).
 */
function parseOr(rules: Rule[], prefix: string | undefined, alternatives: unknown): void {
  if (!Array.isArray(alternatives)) fail(`It must be an Array followed with ${OR}.`);
  const before = rules.splice(0);
  for (const alternative of alternatives) {
    if (!isJsonObject(alternative)) fail(`Only JSON object is allowed in array of ${OR} relationship.`);
    const branches: Rule[] = before.length > 0 ? before.map((rule) => new Map(rule)) : [new Map()];
    parseObject(branches, prefix, alternative, true);
    rules.push(...branches);
    if (rules.length > MAX_BRANCHES) fail(`Too many combinations of ${OR} alternatives: more than ${MAX_BRANCHES}`);
  }
  if (alternatives.length < 2) fail(`There must have at least 2 Objects in ${OR} relationship.`);
}

/** Walks a pattern object in document order, so the first error is the one event-ruler reports. */
function parseObject(rules: Rule[], prefix: string | undefined, object: Record<string, unknown>, insideOr: boolean) {
  const names = Object.keys(object);
  for (const name of names) {
    const value = object[name];
    if (name === OR) {
      parseOr(rules, prefix, value);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(name)) {
      fail(`${name} is Ruler reserved fieldName which cannot be used inside ${OR}.`);
    }
    const path = prefix === undefined ? name : `${prefix}.${name}`;
    if (Array.isArray(value)) writeField(rules, compileField(path, value));
    else if (isJsonObject(value)) parseObject(rules, path, value, insideOr);
    else fail(`"${name}" must be an object or an array`);
  }
  if (names.length === 0) fail("Empty objects are not allowed");
}

/** Fields that share a first name segment may take their values from one event array; others never do. */
function groupFields(rule: Rule): FieldGroup[] {
  const groups = new Map<string, CompiledField[]>();
  for (const field of rule.values()) {
    const first = field.name.split(".", 1)[0] ?? "";
    groups.set(first, [...(groups.get(first) ?? []), field]);
  }
  return [...groups.values()];
}

function compileBranches(pattern: unknown): Branch[] {
  if (!isJsonObject(pattern)) fail("Filter is not an object");
  const rules: Rule[] = [];
  parseObject(rules, undefined, pattern, false);
  // The service checks wildcard complexity once the pattern is otherwise valid.
  for (const field of new Set(rules.flatMap((rule) => [...rule.values()]))) {
    if (wildcardComplexity(field.wildcards) > WILDCARD_COMPLEXITY_LIMIT) {
      fail(
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character",
      );
    }
  }
  return rules.map(groupFields);
}

function parsePattern(text: string): unknown {
  try {
    // Duplicate keys: the last one wins, as in AWS [SEMANTICS 6].
    return JSON.parse(text);
  } catch (error) {
    return fail(`Filter is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Validates (throws InvalidEventPatternError with AWS's reason text) and compiles. Accepts the pattern as a JSON string or an already-parsed value. */
export function compileEventPattern(pattern: string | unknown): CompiledEventPattern {
  const parsed = typeof pattern === "string" ? parsePattern(pattern) : pattern;
  const branches = compileBranches(parsed);
  return { pattern: parsed, matches: (event) => matchesBranches(branches, event) };
}

/** Convenience: compile + match. `event` may be a JSON string (a SyntaxError if it is not JSON) or a parsed object. */
export function matchesEventPattern(pattern: string | unknown, event: string | unknown): boolean {
  return compileEventPattern(pattern).matches(typeof event === "string" ? JSON.parse(event) : event);
}
