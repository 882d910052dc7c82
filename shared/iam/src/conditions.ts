import { wildcardMatch } from "./policy";

/**
 * IAM condition operators (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
 * within an operator, keys are ANDed and the values listed for one key are ORed; operators are
 * ANDed. A negated operator matches when the key is absent. `…IfExists` matches an absent key;
 * `ForAllValues:` / `ForAnyValue:` compare every / any value of a multivalued key.
 */

export type ContextValue = string | number | boolean | readonly string[] | undefined;
export type RequestContext = Readonly<Record<string, ContextValue>>;

type Compare = (requestValue: string, policyValue: string) => boolean;

const asNumber = (value: string) => (value.trim() === "" ? Number.NaN : Number(value));
const asDate = (value: string) => (/^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value));

const ipMatches = (address: string, cidr: string) => {
  const [network, bits] = cidr.split("/");
  const toInt = (ip: string) => ip.split(".").reduce((total, part) => total * 256 + Number(part), 0);
  if (!network || !/^\d+\.\d+\.\d+\.\d+$/.test(address) || !/^\d+\.\d+\.\d+\.\d+$/.test(network)) return false;
  const size = bits === undefined ? 32 : Number(bits);
  const mask = size === 0 ? 0 : 2 ** 32 - 2 ** (32 - size);
  return (toInt(address) & mask) >>> 0 === (toInt(network) & mask) >>> 0;
};

/** An ARN compares segment by segment: `*` never crosses the six colon-separated fields. */
const arnLike: Compare = (value, pattern) => {
  const valueParts = value.split(":");
  const patternParts = pattern.split(":");
  if (patternParts.length > 6) patternParts.splice(5, patternParts.length - 5, patternParts.slice(5).join(":"));
  if (valueParts.length > 6) valueParts.splice(5, valueParts.length - 5, valueParts.slice(5).join(":"));
  if (valueParts.length !== patternParts.length) return false;
  return patternParts.every((part, index) => wildcardMatch(part, valueParts[index] ?? ""));
};

const POSITIVE: Record<string, Compare> = {
  StringEquals: (value, policy) => value === policy,
  StringEqualsIgnoreCase: (value, policy) => value.toLowerCase() === policy.toLowerCase(),
  StringLike: (value, policy) => wildcardMatch(policy, value),
  NumericEquals: (value, policy) => asNumber(value) === asNumber(policy),
  NumericLessThan: (value, policy) => asNumber(value) < asNumber(policy),
  NumericLessThanEquals: (value, policy) => asNumber(value) <= asNumber(policy),
  NumericGreaterThan: (value, policy) => asNumber(value) > asNumber(policy),
  NumericGreaterThanEquals: (value, policy) => asNumber(value) >= asNumber(policy),
  DateEquals: (value, policy) => asDate(value) === asDate(policy),
  DateLessThan: (value, policy) => asDate(value) < asDate(policy),
  DateLessThanEquals: (value, policy) => asDate(value) <= asDate(policy),
  DateGreaterThan: (value, policy) => asDate(value) > asDate(policy),
  DateGreaterThanEquals: (value, policy) => asDate(value) >= asDate(policy),
  Bool: (value, policy) => value.toLowerCase() === policy.toLowerCase(),
  BinaryEquals: (value, policy) => value === policy,
  IpAddress: ipMatches,
  ArnEquals: arnLike,
  ArnLike: arnLike,
};

/** Negated operators and the positive operator they negate. */
const NEGATED: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  NumericNotEquals: "NumericEquals",
  DateNotEquals: "DateEquals",
  NotIpAddress: "IpAddress",
  ArnNotEquals: "ArnEquals",
  ArnNotLike: "ArnLike",
};

export const KNOWN_OPERATORS = new Set([...Object.keys(POSITIVE), ...Object.keys(NEGATED), "Null"]);

export class UnsupportedConditionError extends Error {
  override readonly name = "UnsupportedConditionError";
}

export interface ParsedOperator {
  set?: "ForAllValues" | "ForAnyValue";
  base: string;
  ifExists: boolean;
}

export function parseOperator(operator: string): ParsedOperator {
  let rest = operator;
  let set: ParsedOperator["set"];
  for (const prefix of ["ForAllValues", "ForAnyValue"] as const) {
    if (rest.startsWith(`${prefix}:`)) {
      set = prefix;
      rest = rest.slice(prefix.length + 1);
    }
  }
  const ifExists = rest.endsWith("IfExists") && rest !== "IfExists";
  const base = ifExists ? rest.slice(0, -"IfExists".length) : rest;
  if (!KNOWN_OPERATORS.has(base) || (base === "Null" && ifExists))
    throw new UnsupportedConditionError(`unknown condition operator ${operator}`);
  return { ...(set ? { set } : {}), base, ifExists };
}

const valuesOf = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).map((item) => (typeof item === "string" ? item : JSON.stringify(item)));

function lookup(context: RequestContext, key: string): string[] | undefined {
  const lower = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() !== lower || value === undefined) continue;
    return Array.isArray(value) ? [...value] : [String(value)];
  }
  return undefined;
}

/** Whether one operator's block (`{ "events:source": [...] }`) holds for the request. */
export function operatorHolds(operator: string, block: Record<string, unknown>, context: RequestContext): boolean {
  const { set, base, ifExists } = parseOperator(operator);
  return Object.entries(block).every(([key, policyValue]) => {
    const policyValues = valuesOf(policyValue);
    const requestValues = lookup(context, key);
    if (base === "Null") {
      const wantsAbsent = policyValues.some((value) => value.toLowerCase() === "true");
      return wantsAbsent ? requestValues === undefined : requestValues !== undefined;
    }
    const negatedOf = NEGATED[base];
    const compare = POSITIVE[negatedOf ?? base] as Compare;
    const matchesOne = (requestValue: string) => policyValues.some((value) => compare(requestValue, value));
    if (requestValues === undefined || requestValues.length === 0) {
      if (set === "ForAllValues") return true;
      if (set === "ForAnyValue") return false;
      return ifExists || negatedOf !== undefined;
    }
    if (set === "ForAllValues")
      return requestValues.every((value) => (negatedOf ? !matchesOne(value) : matchesOne(value)));
    if (set === "ForAnyValue")
      return requestValues.some((value) => (negatedOf ? !matchesOne(value) : matchesOne(value)));
    // A single-valued key; a multivalued one without a set operator matches if any value does.
    return negatedOf ? !requestValues.some(matchesOne) : requestValues.some(matchesOne);
  });
}

export function conditionsHold(
  condition: Record<string, Record<string, unknown>> | undefined,
  context: RequestContext,
) {
  if (!condition) return true;
  return Object.entries(condition).every(([operator, block]) => operatorHolds(operator, block, context));
}
