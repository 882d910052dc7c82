/** A JSON Schema node (draft 2020-12): an object, or `true` / `false`. */
export type JsonSchema = { [keyword: string]: unknown } | boolean;
export type SchemaObject = { [keyword: string]: unknown };

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A stable string for a JSON value: object keys sorted, so equal values give equal strings. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

export const deepEqual = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/** Keywords whose value is one subschema. */
const SINGLE = ["items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"] as const;
/** Keywords whose value is a list of subschemas. */
const LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;
/** Keywords whose value maps names to subschemas. */
const MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"] as const;

/**
 * Keywords that describe a schema without changing what it accepts: documentation, the
 * registry's `x-keel` routing block, data classification (`x-classification`) and every other
 * `x-` extension, and `default` (a default fills an absent input, it never refuses one).
 */
export function isAnnotation(keyword: string): boolean {
  return (
    keyword.startsWith("x-") ||
    [
      "$schema",
      "$id",
      "$anchor",
      "$comment",
      "title",
      "description",
      "examples",
      "default",
      "deprecated",
      "readOnly",
      "writeOnly",
    ].includes(keyword)
  );
}

/**
 * The schema with every annotation removed at every level, `required` and `enum` sorted:
 * what it accepts, and nothing else. Property names are kept whatever they are.
 */
export function stripAnnotations(schema: unknown): unknown {
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (isAnnotation(keyword)) continue;
    if ((SINGLE as readonly string[]).includes(keyword)) out[keyword] = stripAnnotations(value);
    else if ((LISTS as readonly string[]).includes(keyword) && Array.isArray(value))
      out[keyword] = value.map(stripAnnotations);
    else if ((MAPS as readonly string[]).includes(keyword) && isRecord(value))
      out[keyword] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, stripAnnotations(child)]));
    else if ((keyword === "required" || keyword === "enum") && Array.isArray(value))
      out[keyword] = [...value].sort((a, b) => canonical(a).localeCompare(canonical(b)));
    else out[keyword] = value;
  }
  return out;
}

/** `data.items[].qty`-style paths: `[]` for every element of an array, `.*` for any other key. */
export function childPath(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}
