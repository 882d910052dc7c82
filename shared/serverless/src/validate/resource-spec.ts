/**
 * Resource properties against AWS's resource specification: the type exists, every property is
 * known, of the right shape (primitive, list, map, nested property type), required ones are
 * present, enumerated values are allowed.
 */
import { asIntrinsic, intrinsicYield, isNoValue, isObject, type Yield } from "./intrinsics";
import { childPath, closest, knownNames, type Reporter, withArticle } from "./report";
import {
  describeType,
  type PropertyType,
  type Resource,
  resourceSpec,
  resourceTypeNames,
  type TypeDefinition,
  typeDefinition,
} from "./spec";
import { resourcesOf, type Template } from "./template";

interface Context {
  template: Template;
}

interface TypeProblem {
  path: string;
  message: string;
  expected?: string;
}

const isCustomResource = (type: string) =>
  type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource";

export function checkResourceSpec(template: Template, report: Reporter): void {
  const context: Context = { template };
  for (const [logicalId, resource] of resourcesOf(template)) {
    const add = (problem: TypeProblem) =>
      report.add("resource-spec", logicalId, problem.path, problem.message, problem.expected);
    if (isCustomResource(resource.Type)) {
      if (!isObject(resource.Properties) || !("ServiceToken" in resource.Properties))
        add({ path: "Properties.ServiceToken", message: "missing required property of a custom resource" });
      continue;
    }
    const spec = resourceSpec(resource.Type);
    if (!spec) {
      const match = closest(resource.Type, resourceTypeNames());
      add({
        path: "Type",
        message: `unknown resource type ${resource.Type}`,
        ...(match ? { expected: `closest match ${match}` } : {}),
      });
      continue;
    }
    if (resource.Properties !== undefined && !isObject(resource.Properties)) {
      add({ path: "Properties", message: "Properties must be an object" });
      continue;
    }
    objectProblems(resource.Properties ?? {}, spec, "Properties", context).forEach(add);
  }
}

/** The properties of a resource or of a nested property type. */
function objectProblems(
  value: Record<string, unknown>,
  owner: Resource | TypeDefinition,
  path: string,
  context: Context,
): TypeProblem[] {
  const ownerName = "cloudFormationType" in owner ? owner.cloudFormationType : `${owner.name} (a property type)`;
  const known = Object.keys(owner.properties);
  const problems: TypeProblem[] = [];
  for (const [name, propertyValue] of Object.entries(value)) {
    const property = owner.properties[name];
    const where = childPath(path, name);
    if (!property) {
      problems.push({ path: where, message: `unknown property of ${ownerName}`, expected: knownNames(name, known) });
      continue;
    }
    if (isNoValue(propertyValue)) continue;
    const found = valueProblems(propertyValue, property.type, where, context);
    // A value of a type the property had before is still accepted.
    const previous = property.previousTypes ?? [];
    if (found.length > 0 && previous.some((type) => valueProblems(propertyValue, type, where, context).length === 0))
      continue;
    problems.push(...found);
    if (found.length === 0) problems.push(...documentedValueProblems(propertyValue, property, where));
  }
  for (const [name, property] of Object.entries(owner.properties)) {
    if (property.required && !(name in value))
      problems.push({
        path: childPath(path, name),
        message: `missing required property of ${ownerName}`,
        expected: withArticle(describeType(property.type)),
      });
  }
  return problems;
}

/**
 * The problems of a value against a type. CloudFormation converts scalars to the declared primitive
 * type, so `"10"` is an integer and `10` a string; lists and objects are never converted.
 */
function valueProblems(value: unknown, type: PropertyType, path: string, context: Context): TypeProblem[] {
  const intrinsic = asIntrinsic(value);
  if (intrinsic) {
    if (intrinsic.name === "Fn::If" && Array.isArray(intrinsic.argument) && intrinsic.argument.length === 3)
      return [1, 2].flatMap((branch) => {
        const option = (intrinsic.argument as unknown[])[branch];
        return isNoValue(option) ? [] : valueProblems(option, type, `${path}.Fn::If[${branch}]`, context);
      });
    const yields = intrinsicYield(intrinsic, context.template);
    return accepts(type, yields)
      ? []
      : [
          {
            path,
            message: `${intrinsic.name} yields ${withArticle(yields)}`,
            expected: withArticle(describeType(type)),
          },
        ];
  }
  const mismatch = (): TypeProblem[] => [
    { path, message: `wrong type: ${describe(value)}`, expected: withArticle(describeType(type)) },
  ];
  switch (type.type) {
    case "string":
    case "date-time": {
      if (!isScalar(value)) return mismatch();
      const allowed = type.type === "string" ? type.allowedValues : undefined;
      if (allowed && allowed.length > 0 && !allowed.includes(String(value)))
        return [{ path, message: `invalid value ${JSON.stringify(value)}`, expected: `one of ${allowed.join(", ")}` }];
      return [];
    }
    case "integer": {
      if (!isInteger(value)) return mismatch();
      if (type.allowedValues && type.allowedValues.length > 0 && !type.allowedValues.includes(Number(value)))
        return [{ path, message: `invalid value ${value}`, expected: `one of ${type.allowedValues.join(", ")}` }];
      return [];
    }
    case "number":
      return isNumber(value) ? [] : mismatch();
    case "boolean":
      return typeof value === "boolean" || (typeof value === "string" && /^(true|false)$/i.test(value))
        ? []
        : mismatch();
    case "null":
      return value === null ? [] : mismatch();
    case "json":
      return value === null ? mismatch() : [];
    case "tag":
      return tagProblems(value, path, context);
    case "array":
      if (!Array.isArray(value)) return mismatch();
      return value.flatMap((element, index) => valueProblems(element, type.element, childPath(path, index), context));
    case "map":
      if (!isObject(value)) return mismatch();
      return Object.entries(value).flatMap(([key, element]) =>
        valueProblems(element, type.element, childPath(path, key), context),
      );
    case "ref":
      return isObject(value) ? objectProblems(value, typeDefinition(type), path, context) : mismatch();
    case "union": {
      // Members of the value's own kind (object, list, scalar) judge it; JSON only when none is.
      const sameKind = type.types.filter((member) => kindOf(member) === kindOfValue(value));
      const members = sameKind.length > 0 ? sameKind : type.types;
      const attempts = members.map((member) => valueProblems(value, member, path, context));
      if (attempts.some((problems) => problems.length === 0)) return [];
      return attempts.length === 1 ? (attempts[0] ?? []) : mismatch();
    }
  }
}

function tagProblems(value: unknown, path: string, context: Context): TypeProblem[] {
  if (!isObject(value))
    return [{ path, message: `wrong type: ${describe(value)}`, expected: "a Tag ({ Key, Value })" }];
  const problems: TypeProblem[] = [];
  for (const key of Object.keys(value)) {
    if (key !== "Key" && key !== "Value")
      problems.push({
        path: childPath(path, key),
        message: "unknown property of Tag",
        expected: knownNames(key, ["Key", "Value"]),
      });
  }
  for (const key of ["Key", "Value"]) {
    if (!(key in value)) problems.push({ path: childPath(path, key), message: "missing required property of Tag" });
    else problems.push(...valueProblems(value[key], { type: "string" }, childPath(path, key), context));
  }
  return problems;
}

/** Whether an intrinsic's result can stand where the type is expected. */
function accepts(type: PropertyType, yields: Yield): boolean {
  if (yields === "any") return true;
  switch (type.type) {
    case "json":
      return true;
    case "array":
      return yields === "list";
    case "union":
      return type.types.some((member) => accepts(member, yields));
    case "ref":
    case "map":
    case "tag":
      return false;
    default:
      return yields !== "list";
  }
}

type Kind = "object" | "list" | "scalar" | "any";

function kindOf(type: PropertyType): Kind {
  if (type.type === "array") return "list";
  if (type.type === "ref" || type.type === "map" || type.type === "tag") return "object";
  if (type.type === "json" || type.type === "union") return "any";
  return "scalar";
}

function kindOfValue(value: unknown): Kind {
  if (Array.isArray(value)) return "list";
  if (isObject(value)) return "object";
  return "scalar";
}

const isScalar = (value: unknown) =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean";
const isInteger = (value: unknown) =>
  (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^-?\d+$/.test(value.trim()));
const isNumber = (value: unknown) =>
  (typeof value === "number" && Number.isFinite(value)) ||
  (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)));

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (isObject(value)) return "an object";
  if (value === null) return "null";
  return JSON.stringify(value);
}

/**
 * Values the property's documentation enumerates ("Valid values are `A` and `B` .", or a list of
 * `- \`A\`` lines), for string properties the schema leaves open (`BillingMode`, `TreatMissingData`).
 */
const TOKEN = "`[^`\\n]+`";
const SEPARATOR = "(?:\\s*,\\s*(?:and|or)\\s+|\\s*,\\s*|\\s+and\\s+|\\s+or\\s+|\\s*\\|\\s*)";
const INLINE_VALUES = new RegExp(
  `(?:Valid values are|Allowed values are|\\*Allowed values\\* :)\\s+(${TOKEN}(?:${SEPARATOR}${TOKEN})*)\\s*(?:\\.|$|\\n)`,
);
const LISTED_VALUES = /(?:Valid|Allowed) values(?: include| are)?:\n\n((?:- `[^`\n]+`[^\n]*\n?)+)/;
const documented = new WeakMap<object, string[] | undefined>();

export function documentedValues(property: { type: PropertyType; documentation?: string }): string[] | undefined {
  if (property.type.type !== "string" || property.type.allowedValues) return undefined;
  if (documented.has(property)) return documented.get(property);
  const text = property.documentation ?? "";
  const inline = text.match(INLINE_VALUES);
  const listed = inline ? undefined : text.match(LISTED_VALUES);
  const values = inline
    ? [...(inline[1] ?? "").matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? "")
    : listed
      ? [...(listed[1] ?? "").matchAll(/^- `([^`]+)`/gm)].map((match) => match[1] ?? "")
      : undefined;
  documented.set(property, values);
  return values;
}

function documentedValueProblems(
  value: unknown,
  property: { type: PropertyType; documentation?: string },
  path: string,
): TypeProblem[] {
  const values = typeof value === "string" ? documentedValues(property) : undefined;
  if (!values || values.includes(String(value))) return [];
  return [
    {
      path,
      message: `invalid value ${JSON.stringify(value)}`,
      expected: `one of ${values.join(", ")} (the values AWS documents for it)`,
    },
  ];
}
