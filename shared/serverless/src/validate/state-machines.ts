/**
 * State machine definitions: valid Amazon States Language (asl-validator: schema, transitions,
 * terminal states, paths, task ARNs), JSONPath only, and task resources the local runtime runs.
 */
import { unsupported } from "@keel/local";
import aslValidator from "asl-validator";
import { evaluate, resolveIntrinsics, withDummyPseudoParameters } from "./evaluate";
import { asIntrinsic, isObject, subParts } from "./intrinsics";
import type { Reporter } from "./report";
import { resourcesOf, type Template } from "./template";

export interface StateMachineDefinition {
  logicalId: string;
  /** `Properties.DefinitionString` or `Properties.Definition`. */
  path: string;
  definition?: Record<string, unknown>;
  /** Why the definition could not be read. */
  error?: string;
}

/**
 * Every state machine's definition as it will be deployed: `Fn::Sub` placeholders and intrinsics
 * replaced by plausible values (ARNs from the type's ARN template, pseudo parameters as in us-east-1),
 * and `DefinitionSubstitutions` applied.
 */
export function stateMachineDefinitions(template: Template): StateMachineDefinition[] {
  const found: StateMachineDefinition[] = [];
  for (const [logicalId, resource] of resourcesOf(template)) {
    if (resource.Type !== "AWS::StepFunctions::StateMachine" || !isObject(resource.Properties)) continue;
    const properties = resource.Properties;
    const substitutions = isObject(properties.DefinitionSubstitutions) ? properties.DefinitionSubstitutions : {};
    if (properties.DefinitionString !== undefined) {
      const path = "Properties.DefinitionString";
      const text = definitionText(properties.DefinitionString, template);
      if (text === undefined) {
        found.push({ logicalId, path, error: "DefinitionString is neither a string nor an Fn::Sub of one" });
        continue;
      }
      try {
        const parsed: unknown = JSON.parse(substitute(text, substitutions, template));
        if (isObject(parsed)) found.push({ logicalId, path, definition: parsed });
        else found.push({ logicalId, path, error: "DefinitionString is not a JSON object" });
      } catch (error) {
        found.push({ logicalId, path, error: `DefinitionString is not valid JSON: ${(error as Error).message}` });
      }
    } else if (isObject(properties.Definition)) {
      const resolved = JSON.parse(
        substitute(JSON.stringify(resolveIntrinsics(properties.Definition, template)), substitutions, template),
      ) as Record<string, unknown>;
      found.push({ logicalId, path: "Properties.Definition", definition: resolved });
    }
  }
  return found;
}

export function checkStateMachines(template: Template, report: Reporter): void {
  for (const { logicalId, path, definition, error } of stateMachineDefinitions(template)) {
    if (!definition) {
      report.add(
        "state-machine",
        logicalId,
        path,
        error ?? "unreadable definition",
        "an Amazon States Language JSON object",
      );
      continue;
    }
    // The validator fills in QueryLanguage on the states it is given: give it a copy.
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    for (const problem of result.errors) {
      const where = problem.schemaError?.instancePath.split("/").filter(Boolean).join(".");
      report.add(
        "state-machine",
        logicalId,
        where ? `${path}.${where}` : path,
        `${problem["Error code"]}: ${problem.Message}`,
        "valid Amazon States Language",
      );
    }
    for (const problem of unsupported(definition))
      report.add("state-machine", logicalId, path, problem, "JSONPath, and task resources the local runtime executes");
  }
}

const placeholder = (logicalId: string, what: string) => `${logicalId}-${what}`;

function definitionText(value: unknown, template: Template): string | undefined {
  if (typeof value === "string") return value;
  const intrinsic = asIntrinsic(value);
  if (intrinsic?.name !== "Fn::Sub") {
    const evaluated = evaluate(value, template, { unknown: placeholder });
    return evaluated === undefined ? undefined : withDummyPseudoParameters(evaluated);
  }
  const parts = subParts(intrinsic.argument);
  if (!parts) return undefined;
  return parts.text.replace(/\$\{([^}]*)\}/g, (_whole, raw: string) => {
    const variable = raw.trim();
    if (variable.startsWith("!")) return `\${${variable.slice(1)}}`;
    const source = variable in parts.variables ? parts.variables[variable] : subReference(variable);
    const value = evaluate(source, template, { unknown: placeholder }) ?? `unresolved-${variable}`;
    // The value lands inside a JSON string: keep the JSON valid.
    return JSON.stringify(withDummyPseudoParameters(value)).slice(1, -1);
  });
}

/** `${Name}` is a Ref, `${Name.Attr}` a GetAtt. */
function subReference(variable: string): unknown {
  const dot = variable.indexOf(".");
  return dot > 0 ? { "Fn::GetAtt": [variable.slice(0, dot), variable.slice(dot + 1)] } : { Ref: variable };
}

/** Step Functions replaces `${key}` with DefinitionSubstitutions' values. */
function substitute(text: string, substitutions: Record<string, unknown>, template: Template): string {
  if (Object.keys(substitutions).length === 0) return text;
  return text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    if (!(key in substitutions)) return whole;
    const value = evaluate(substitutions[key], template, { unknown: placeholder });
    return value === undefined ? whole : JSON.stringify(withDummyPseudoParameters(value)).slice(1, -1);
  });
}
