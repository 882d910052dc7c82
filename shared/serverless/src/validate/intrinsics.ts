/** CloudFormation intrinsic functions: recognising them, and what kind of value each yields. */
import { resourceSpec } from "./spec";
import type { Template } from "./template";

export const INTRINSICS = [
  "Ref",
  "Condition",
  "Fn::Base64",
  "Fn::Cidr",
  "Fn::FindInMap",
  "Fn::GetAtt",
  "Fn::GetAZs",
  "Fn::If",
  "Fn::ImportValue",
  "Fn::Join",
  "Fn::Length",
  "Fn::Select",
  "Fn::Split",
  "Fn::Sub",
  "Fn::ToJsonString",
  "Fn::Transform",
  "Fn::And",
  "Fn::Equals",
  "Fn::Not",
  "Fn::Or",
] as const;
export type IntrinsicName = (typeof INTRINSICS)[number];

const NAMES = new Set<string>(INTRINSICS);

export const PSEUDO_PARAMETERS = [
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
] as const;

export const isPseudoParameter = (name: string) => (PSEUDO_PARAMETERS as readonly string[]).includes(name);

export interface Intrinsic {
  name: IntrinsicName;
  argument: unknown;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `{ "Fn::Join": [...] }` → { name, argument }; anything else → undefined. */
export function asIntrinsic(value: unknown): Intrinsic | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const [name] = keys;
  if (keys.length !== 1 || name === undefined || !NAMES.has(name)) return undefined;
  // `{ Condition: "Name" }` names a condition; an IAM statement's `Condition` block is an object.
  if (name === "Condition" && typeof value[name] !== "string") return undefined;
  return { name: name as IntrinsicName, argument: value[name] };
}

export function isNoValue(value: unknown): boolean {
  const intrinsic = asIntrinsic(value);
  return intrinsic?.name === "Ref" && intrinsic.argument === "AWS::NoValue";
}

/** What an intrinsic yields, as far as a type check can tell. */
export type Yield = "string" | "list" | "number" | "any";

export function intrinsicYield(intrinsic: Intrinsic, template: Template): Yield {
  switch (intrinsic.name) {
    case "Fn::Base64":
    case "Fn::Join":
    case "Fn::Sub":
    case "Fn::ToJsonString":
    case "Fn::ImportValue":
      return "string";
    case "Fn::Split":
    case "Fn::GetAZs":
    case "Fn::Cidr":
      return "list";
    case "Fn::Length":
      return "number";
    case "Ref":
      return refYield(intrinsic.argument, template);
    case "Fn::GetAtt":
      return getAttYield(intrinsic.argument, template);
    default:
      return "any";
  }
}

function refYield(target: unknown, template: Template): Yield {
  if (typeof target !== "string") return "any";
  if (target === "AWS::NotificationARNs") return "list";
  if (isPseudoParameter(target)) return "string";
  const parameter = template.Parameters?.[target];
  if (isObject(parameter)) {
    const type = String(parameter.Type ?? "");
    return type.startsWith("List<") || type === "CommaDelimitedList" ? "list" : "string";
  }
  return template.Resources?.[target] ? "string" : "any";
}

function getAttYield(argument: unknown, template: Template): Yield {
  const target = getAttTarget(argument);
  if (!target || typeof target.attribute !== "string") return "any";
  const resource = template.Resources?.[target.logicalId];
  const type = isObject(resource) && typeof resource.Type === "string" ? resource.Type : undefined;
  const attribute = type ? resourceSpec(type)?.attributes[target.attribute] : undefined;
  if (!attribute) return "any";
  if (attribute.type.type === "array") return "list";
  if (attribute.type.type === "string") return "string";
  if (attribute.type.type === "integer" || attribute.type.type === "number") return "number";
  return "any";
}

/** `["Res", "Attr"]` or `"Res.Attr"` → the two parts; the attribute may itself be an intrinsic. */
export function getAttTarget(argument: unknown): { logicalId: string; attribute: unknown } | undefined {
  if (typeof argument === "string") {
    const dot = argument.indexOf(".");
    if (dot <= 0) return undefined;
    return { logicalId: argument.slice(0, dot), attribute: argument.slice(dot + 1) };
  }
  if (Array.isArray(argument) && argument.length === 2 && typeof argument[0] === "string")
    return { logicalId: argument[0], attribute: argument[1] };
  return undefined;
}

/** The `${Name}` and `${Name.Attr}` variables of an `Fn::Sub` string; `${!Literal}` is not one. */
export function subVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)]
    .map((match) => (match[1] ?? "").trim())
    .filter((name) => !name.startsWith("!"));
}

/** The `Fn::Sub` argument as its string and its own variables, or undefined when malformed. */
export function subParts(argument: unknown): { text: string; variables: Record<string, unknown> } | undefined {
  if (typeof argument === "string") return { text: argument, variables: {} };
  if (Array.isArray(argument) && argument.length === 2 && typeof argument[0] === "string" && isObject(argument[1]))
    return { text: argument[0], variables: argument[1] };
  return undefined;
}
