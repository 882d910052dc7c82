import { fail } from "./pattern-error";
import { ipLiteralRange, parseCidr, rangeContains } from "./pattern-ip";
import { matchesWildcard, parseWildcard, type Wildcard } from "./pattern-wildcard";

/** A JSON leaf: the only kind of event value a match value can match; objects never are [SEMANTICS 3]. */
export type Leaf = string | number | boolean | null;
export type LeafTest = (value: Leaf) => boolean;

/** What one entry of a field's match list compiles to. */
export type MatchValue =
  /** A literal compared by type and value (numbers as doubles, so 300 equals 300.0). */
  | { readonly kind: "exact"; readonly value: Leaf }
  /** `wildcards` lists the entry's wildcard patterns, for the complexity check. */
  | { readonly kind: "test"; readonly test: LeafTest; readonly wildcards?: readonly Wildcard[] }
  /** `{"exists": false}`: satisfied when the field has no leaf value. */
  | { readonly kind: "absent" };

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** Full Unicode case folding as far as JavaScript offers it: "ß" and "SS" fold alike, as do "É" and "é". */
export function foldCase(text: string): string {
  return text.toUpperCase().toLowerCase();
}

const ONE_KEY = "Only one key allowed in match expression";
// event-ruler reports extra keys after a numeric or anything-but operand with this text, whatever the operator.
const TOO_MANY_ELEMENTS = "Too many elements in numeric expression";

const matchWhen = (test: LeafTest, wildcards?: readonly Wildcard[]): MatchValue => ({ kind: "test", test, wildcards });
const isString = (value: Leaf): value is string => typeof value === "string";

/** How event-ruler spells a JSON token in "Invalid member" and "Bad value" errors. */
function tokenText(value: unknown): string {
  if (value === undefined) return "]";
  if (Array.isArray(value)) return "[";
  if (isJsonObject(value)) return "{";
  return String(value);
}

/** The object under `prefix` or `suffix`, which may only be `{"equals-ignore-case": s}`. */
function nestedIgnoreCase(operand: Record<string, unknown>, operator: "prefix" | "suffix"): string {
  const [name, ...others] = Object.keys(operand);
  const label = operator === "prefix" ? "Prefix" : "Suffix";
  if (name === undefined) fail(`${label} expression name not found`);
  if (name !== "equals-ignore-case") fail(`Unsupported ${operator} pattern: ${name}`);
  const value = operand[name];
  if (typeof value !== "string") fail("equals-ignore-case match pattern must be a string");
  if (others.length > 0) fail(ONE_KEY);
  return value;
}

function affix(operator: "prefix" | "suffix"): (operand: unknown) => MatchValue {
  const has =
    operator === "prefix"
      ? (text: string, part: string) => text.startsWith(part)
      : (text: string, part: string) => text.endsWith(part);
  return (operand) => {
    if (typeof operand === "string") return matchWhen((value) => isString(value) && has(value, operand));
    if (!isJsonObject(operand)) fail(`${operator} match pattern must be a string`);
    const folded = foldCase(nestedIgnoreCase(operand, operator));
    return matchWhen((value) => isString(value) && has(foldCase(value), folded));
  };
}

function equalsIgnoreCase(operand: unknown): MatchValue {
  if (typeof operand !== "string") fail("equals-ignore-case match pattern must be a string");
  const folded = foldCase(operand);
  return matchWhen((value) => isString(value) && foldCase(value) === folded);
}

function wildcard(operand: unknown): MatchValue {
  if (typeof operand !== "string") fail("wildcard match pattern must be a string");
  const parsed = parseWildcard(operand);
  return matchWhen((value) => isString(value) && matchesWildcard(parsed, value), [parsed]);
}

function cidr(operand: unknown): MatchValue {
  // (sic) event-ruler reuses the prefix text for a cidr operand that is not a string.
  if (typeof operand !== "string") fail("prefix match pattern must be a string");
  const range = parseCidr(operand);
  return matchWhen((value) => isString(value) && rangeContains(range, value));
}

function exists(operand: unknown): MatchValue {
  if (operand === true) return matchWhen(() => true);
  if (operand === false) return { kind: "absent" };
  fail("exists match pattern must be either true or false.");
}

interface NumericOperator {
  /** How the "Value of X must be numeric" error names the operator. */
  readonly name: string;
  readonly bound: "equal" | "lower" | "upper";
  readonly open: boolean;
}

const NUMERIC_OPERATORS = new Map<string, NumericOperator>([
  ["=", { name: "equals", bound: "equal", open: false }],
  [">", { name: ">", bound: "lower", open: true }],
  [">=", { name: ">=", bound: "lower", open: false }],
  ["<", { name: "<", bound: "upper", open: true }],
  ["<=", { name: "<=", bound: "upper", open: false }],
]);

interface NumericRange {
  readonly bottom: number;
  readonly openBottom: boolean;
  readonly top: number;
  readonly openTop: boolean;
}

/** `[op, n]` or `[">"|">=", lo, "<"|"<=", hi]`, checked term by term in event-ruler's order. */
function numericRange(terms: readonly unknown[]): NumericRange {
  const [first, value, second, top] = terms;
  if (typeof first !== "string") fail(`Invalid member in numeric match: ${tokenText(first)}`);
  const operator = NUMERIC_OPERATORS.get(first) ?? fail(`Unrecognized numeric range operator: ${first}`);
  if (typeof value !== "number") fail(`Value of ${operator.name} must be numeric`);
  if (operator.bound !== "lower" && terms.length > 2) fail(TOO_MANY_ELEMENTS);
  if (operator.bound === "equal") return { bottom: value, openBottom: false, top: value, openTop: false };
  if (operator.bound === "upper") return { bottom: -Infinity, openBottom: false, top: value, openTop: operator.open };
  if (terms.length === 2) return { bottom: value, openBottom: operator.open, top: Infinity, openTop: false };
  if (typeof second !== "string") fail(`Bad value in numeric range: ${tokenText(second)}`);
  const upper = NUMERIC_OPERATORS.get(second);
  if (upper?.bound !== "upper") fail(`Bad numeric range operator: ${second}`);
  if (typeof top !== "number") fail(`Value of ${second} must be numeric`);
  if (terms.length > 4) fail("Too many terms in numeric range expression");
  if (value >= top) fail("Bottom must be less than top");
  return { bottom: value, openBottom: operator.open, top, openTop: upper.open };
}

// JSON numbers only, compared as doubles [SEMANTICS: numeric]; the ±5e9, 6-decimal range of the 2023 docs is not
// enforced.
function numeric(operand: unknown): MatchValue {
  if (!Array.isArray(operand)) fail("Value of numeric must be an array.");
  const { bottom, openBottom, top, openTop } = numericRange(operand);
  return matchWhen(
    (value) =>
      typeof value === "number" &&
      (openBottom ? value > bottom : value >= bottom) &&
      (openTop ? value < top : value <= top),
  );
}

/** Matches any present value, of any type, that is not one of `excluded` (a string never equals a number). */
function excluding(excluded: readonly (string | number)[]): MatchValue {
  const values = new Set<Leaf>(excluded);
  return matchWhen((value) => !values.has(value));
}

function anythingButList(items: readonly unknown[]): MatchValue {
  const values: (string | number)[] = [];
  for (const item of items) {
    if (typeof item !== "string" && typeof item !== "number") {
      fail("Inside anything but list, start|null|boolean is not supported.");
    }
    values.push(item);
  }
  const strings = values.filter((value) => typeof value === "string").length;
  if (values.length === 0 || (strings > 0 && strings < values.length)) {
    fail("Inside anything but list, either all values are number or string, mixed type is not supported");
  }
  return excluding(values);
}

interface AnythingButOperator {
  /** The error for an operand that is not a string. */
  readonly notString: string;
  /** prefix and suffix reject "". */
  readonly nonEmpty: boolean;
  /** Compiles the test for one string: the value matches the anything-but when no string's test passes. */
  readonly compile: (part: string) => { readonly test: (value: string) => boolean; readonly wildcard?: Wildcard };
}

const PREFIX_OR_SUFFIX_NOT_STRING = "prefix/suffix match pattern must be a string";

const ANYTHING_BUT_OPERATORS = new Map<string, AnythingButOperator>([
  [
    "prefix",
    {
      notString: PREFIX_OR_SUFFIX_NOT_STRING,
      nonEmpty: true,
      compile: (part) => ({ test: (v) => v.startsWith(part) }),
    },
  ],
  [
    "suffix",
    { notString: PREFIX_OR_SUFFIX_NOT_STRING, nonEmpty: true, compile: (part) => ({ test: (v) => v.endsWith(part) }) },
  ],
  [
    "equals-ignore-case",
    {
      notString: "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
      nonEmpty: false,
      compile: (part) => {
        const folded = foldCase(part);
        return { test: (v) => foldCase(v) === folded };
      },
    },
  ],
  [
    "wildcard",
    {
      notString: "wildcard match pattern must be a string",
      nonEmpty: false,
      compile: (part) => {
        const parsed = parseWildcard(part);
        return { test: (v) => matchesWildcard(parsed, v), wildcard: parsed };
      },
    },
  ],
]);

/**
 * `{"anything-but": {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": s or [s, ...]}}`: present values that
 * pass none of the inner tests. Values that are not strings (numbers, null, booleans) always match.
 */
function anythingButOperator(operand: Record<string, unknown>): MatchValue {
  const [name, ...others] = Object.keys(operand);
  if (name === undefined) fail("Anything-But expression name not found");
  const operator = ANYTHING_BUT_OPERATORS.get(name) ?? fail(`Unsupported anything-but pattern: ${name}`);
  const inner = operand[name];
  if (!Array.isArray(inner) && typeof inner !== "string" && typeof inner !== "number") {
    fail("Value of anything-but must be an array or single string/number value.");
  }
  const parts = (Array.isArray(inner) ? inner : [inner]).map((part: unknown) => {
    if (typeof part !== "string") fail(operator.notString);
    if (operator.nonEmpty && part === "") fail("Null prefix/suffix not allowed");
    return part;
  });
  const compiled = parts.map(operator.compile);
  if (others.length > 0) fail(TOO_MANY_ELEMENTS);
  const wildcards = compiled.flatMap((part) => (part.wildcard ? [part.wildcard] : []));
  const excluded = (value: string) => {
    for (const part of compiled) if (part.test(value)) return true;
    return false;
  };
  return matchWhen((value) => !isString(value) || !excluded(value), wildcards);
}

function anythingBut(operand: unknown): MatchValue {
  if (isJsonObject(operand)) return anythingButOperator(operand);
  if (Array.isArray(operand)) return anythingButList(operand);
  if (typeof operand === "string" || typeof operand === "number") return excluding([operand]);
  fail("Value of anything-but must be an array or single string/number value.");
}

interface Operator {
  /** Validates the operand and compiles it, failing with AWS's reason. */
  readonly compile: (operand: unknown) => MatchValue;
  /** AWS's reason when the match object has keys besides the operator, checked after the operand. */
  readonly extraKeys: string;
}

/** Match types by name; names are case-sensitive [SEMANTICS Match values]. */
const OPERATORS = new Map<string, Operator>([
  ["prefix", { compile: affix("prefix"), extraKeys: ONE_KEY }],
  ["suffix", { compile: affix("suffix"), extraKeys: ONE_KEY }],
  ["equals-ignore-case", { compile: equalsIgnoreCase, extraKeys: ONE_KEY }],
  ["wildcard", { compile: wildcard, extraKeys: ONE_KEY }],
  ["anything-but", { compile: anythingBut, extraKeys: TOO_MANY_ELEMENTS }],
  ["numeric", { compile: numeric, extraKeys: TOO_MANY_ELEMENTS }],
  ["exists", { compile: exists, extraKeys: ONE_KEY }],
  ["cidr", { compile: cidr, extraKeys: ONE_KEY }],
]);

function matchExpression(expression: Record<string, unknown>): MatchValue {
  const [name, ...others] = Object.keys(expression);
  if (name === undefined) fail("Match expression name not found");
  const operator = OPERATORS.get(name) ?? fail(`Unrecognized match type ${name}`);
  const compiled = operator.compile(expression[name]);
  if (others.length > 0) fail(operator.extraKeys);
  return compiled;
}

/** Compiles one entry of a field's match list: a literal or a match expression. */
export function compileMatchValue(entry: unknown): MatchValue {
  if (isJsonObject(entry)) return matchExpression(entry);
  if (!isLeaf(entry)) fail("Match value must be String, number, true, false, or null");
  const range = typeof entry === "string" ? ipLiteralRange(entry) : undefined;
  if (range) return matchWhen((value) => value === entry || (isString(value) && rangeContains(range, value)));
  // Numbers compare by value, so 300 matches 300.0: live AWS does [L number_comparison_float], though the docs
  // say numbers compare as text.
  return { kind: "exact", value: entry };
}
