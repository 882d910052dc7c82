/**
 * IAM identity policies as AWS reads them: a statement allows or denies actions (or all but
 * `NotAction`) on resources (or all but `NotResource`) when every condition holds.
 */

export type Effect = "Allow" | "Deny";

export type ConditionBlock = Record<string, Record<string, unknown>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: Effect;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** A policy with the name a report uses for it (an inline policy's name, a managed policy's ARN). */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

export const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export const statementsOf = (document: PolicyDocument): PolicyStatement[] => asList(document.Statement);

/** `Resource: "*"` for actions that admit no resource-level permissions. */
export const ANY_RESOURCE = "*";

const patternCache = new Map<string, RegExp>();

/**
 * IAM's wildcard matching: `*` matches any run of characters (across `:` and `/`), `?` any one.
 * Actions compare case-insensitively; resources and condition values as given.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (!pattern.includes("*") && !pattern.includes("?"))
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = `${ignoreCase ? "i" : "s"}:${pattern}`;
  let regex = patternCache.get(key);
  if (!regex) {
    const body = pattern
      .split("")
      .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
    patternCache.set(key, regex);
  }
  return regex.test(value);
}

export const actionMatches = (pattern: string, action: string) => wildcardMatch(pattern, action, true);

/** An ARN pattern matches per ARN segment rules; `*` alone matches anything, `"*"` requests included. */
export const resourceMatches = (pattern: string, resource: string) => wildcardMatch(pattern, resource);
