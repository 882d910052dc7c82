/**
 * What a template value will be once deployed, as far as the template alone tells: physical names
 * from properties, ARNs from the type's ARN template, pseudo parameters kept as `${AWS::Region}`.
 * Used to compare names across stacks and to give state machine definitions plausible values.
 */
import { asIntrinsic, getAttTarget, isObject, isPseudoParameter, subParts, subVariables } from "./intrinsics";
import { resourceSpec } from "./spec";
import type { Template } from "./template";

export interface EvaluateOptions {
  /** A stand-in for what cannot be known (a generated physical name); default: give up. */
  unknown?: (logicalId: string, what: string) => string;
}

/** Concrete stand-ins for the pseudo parameters, where a value must look real (an ARN, a region). */
export const DUMMY_PSEUDO_PARAMETERS: Record<string, string> = {
  "AWS::AccountId": "123456789012",
  "AWS::Partition": "aws",
  "AWS::Region": "us-east-1",
  "AWS::URLSuffix": "amazonaws.com",
  "AWS::StackName": "stack",
  "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/00000000-0000-0000-0000-000000000000",
};

/** `arn:${AWS::Partition}:…` → `arn:aws:…` */
export function withDummyPseudoParameters(text: string): string {
  return text.replace(/\$\{(AWS::[A-Za-z]+)\}/g, (whole, name: string) => DUMMY_PSEUDO_PARAMETERS[name] ?? whole);
}

const MAX_DEPTH = 20;

/** The variables of the spec's ARN templates that are pseudo parameters. */
const ARN_TEMPLATE_PSEUDO_PARAMETERS: Record<string, string> = {
  Partition: "AWS::Partition",
  Region: "AWS::Region",
  Account: "AWS::AccountId",
};

export function evaluate(value: unknown, template: Template, options: EvaluateOptions = {}): string | undefined {
  return new Evaluator(template, options).value(value, 0);
}

class Evaluator {
  constructor(
    private readonly template: Template,
    private readonly options: EvaluateOptions,
  ) {}

  value(value: unknown, depth: number): string | undefined {
    if (depth > MAX_DEPTH) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    const intrinsic = asIntrinsic(value);
    if (!intrinsic) return undefined;
    const argument = intrinsic.argument;
    switch (intrinsic.name) {
      case "Ref":
        return typeof argument === "string" ? this.ref(argument, depth) : undefined;
      case "Fn::GetAtt": {
        const target = getAttTarget(argument);
        return target && typeof target.attribute === "string"
          ? this.attribute(target.logicalId, target.attribute, depth)
          : undefined;
      }
      case "Fn::Sub":
        return this.sub(argument, depth);
      case "Fn::Join": {
        if (!Array.isArray(argument) || typeof argument[0] !== "string" || !Array.isArray(argument[1]))
          return undefined;
        const parts = argument[1].map((part) => this.value(part, depth + 1));
        return parts.every((part) => part !== undefined) ? parts.join(argument[0]) : undefined;
      }
      case "Fn::Select": {
        if (!Array.isArray(argument) || !Array.isArray(argument[1])) return undefined;
        const index = Number(this.value(argument[0], depth + 1));
        return Number.isInteger(index) ? this.value(argument[1][index], depth + 1) : undefined;
      }
      default:
        return undefined;
    }
  }

  private ref(target: string, depth: number): string | undefined {
    if (isPseudoParameter(target)) return target === "AWS::NoValue" ? undefined : `\${${target}}`;
    const parameter = this.template.Parameters?.[target];
    if (isObject(parameter)) return this.value(parameter.Default, depth + 1);
    const resource = this.resource(target);
    if (!resource) return undefined;
    const spec = resourceSpec(resource.type);
    const identifier = spec?.primaryIdentifier?.[0];
    if (identifier === undefined) return this.unknown(target, "Ref");
    return identifier in (spec?.attributes ?? {}) && !(identifier in resource.properties)
      ? this.attribute(target, identifier, depth)
      : (this.name(target, identifier, depth) ?? this.unknown(target, identifier));
  }

  attribute(logicalId: string, attribute: string, depth: number): string | undefined {
    const resource = this.resource(logicalId);
    if (!resource) return undefined;
    const spec = resourceSpec(resource.type);
    if (attribute === "QueueUrl" && resource.type === "AWS::SQS::Queue") {
      const name = this.name(logicalId, "QueueName", depth) ?? this.unknown(logicalId, "QueueName");
      return name && `https://sqs.\${AWS::Region}.\${AWS::URLSuffix}/\${AWS::AccountId}/${name}`;
    }
    if (attribute.endsWith("Arn") && spec?.arnTemplate) return this.arn(logicalId, spec.arnTemplate, depth);
    return this.name(logicalId, attribute, depth) ?? this.unknown(logicalId, attribute);
  }

  private arn(logicalId: string, template: string, depth: number): string | undefined {
    let complete = true;
    const arn = template.replace(/\$\{([A-Za-z]+)\}/g, (_whole, variable: string) => {
      const pseudo = ARN_TEMPLATE_PSEUDO_PARAMETERS[variable];
      if (pseudo) return `\${${pseudo}}`;
      const value = this.name(logicalId, variable, depth) ?? this.unknown(logicalId, variable);
      if (value === undefined) complete = false;
      return value ?? "";
    });
    return complete ? arn : undefined;
  }

  /** A property holding a name, or its usual aliases (`EventBusName` is the bus's `Name`). */
  private name(logicalId: string, property: string, depth: number): string | undefined {
    const resource = this.resource(logicalId);
    if (!resource) return undefined;
    const typeName = resource.type.split("::").pop() ?? "";
    const candidates = [property];
    if (property.endsWith("Name")) candidates.push("Name", `${typeName}Name`);
    if (property === "Name") candidates.push(`${typeName}Name`);
    for (const candidate of candidates) {
      if (candidate in resource.properties) return this.value(resource.properties[candidate], depth + 1);
    }
    return undefined;
  }

  private sub(argument: unknown, depth: number): string | undefined {
    const parts = subParts(argument);
    if (!parts) return undefined;
    let complete = true;
    const known = new Set(subVariables(parts.text));
    const text = parts.text.replace(/\$\{([^}]*)\}/g, (whole, raw: string) => {
      const variable = raw.trim();
      if (variable.startsWith("!")) return `\${${variable.slice(1)}}`;
      if (!known.has(variable)) return whole;
      let value: string | undefined;
      if (variable in parts.variables) value = this.value(parts.variables[variable], depth + 1);
      else if (isPseudoParameter(variable)) return whole;
      else {
        const dot = variable.indexOf(".");
        value =
          dot > 0
            ? this.attribute(variable.slice(0, dot), variable.slice(dot + 1), depth + 1)
            : this.ref(variable, depth + 1);
      }
      if (value === undefined) complete = false;
      return value ?? whole;
    });
    return complete ? text : undefined;
  }

  private resource(logicalId: string): { type: string; properties: Record<string, unknown> } | undefined {
    const resource = this.template.Resources?.[logicalId];
    if (!isObject(resource) || typeof resource.Type !== "string") return undefined;
    return { type: resource.Type, properties: isObject(resource.Properties) ? resource.Properties : {} };
  }

  private unknown(logicalId: string, what: string): string | undefined {
    return this.options.unknown?.(logicalId, what);
  }
}

/** A copy of a JSON value with every intrinsic inside replaced by a plausible concrete string. */
export function resolveIntrinsics(value: unknown, template: Template): unknown {
  if (asIntrinsic(value)) {
    const evaluated = evaluate(value, template, { unknown: (logicalId, what) => `${logicalId}-${what}` });
    return evaluated === undefined ? "unresolved" : withDummyPseudoParameters(evaluated);
  }
  if (Array.isArray(value)) return value.map((element) => resolveIntrinsics(element, template));
  if (isObject(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, element]) => [key, resolveIntrinsics(element, template)]),
    );
  return value;
}
