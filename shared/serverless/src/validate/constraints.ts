/**
 * Name constraints AWS enforces when it creates the resource, which the specification database
 * leaves out (it keeps types, not lengths or patterns). Only for names the framework derives from
 * service, stage and function names, where a longer stage name is what breaks a deploy.
 */
import { asIntrinsic, isObject } from "./intrinsics";
import type { Reporter } from "./report";
import { resourcesOf, type Template } from "./template";

interface NameConstraint {
  type: string;
  /** A property path: `Name`, or `Targets[].Id` for each element of a list. */
  property: string;
  max: number;
  min?: number;
  pattern: RegExp;
  describe: string;
}

const CONSTRAINTS: NameConstraint[] = [
  {
    type: "AWS::Events::Rule",
    property: "Name",
    max: 64,
    pattern: /^[.\-_A-Za-z0-9]+$/,
    describe: "letters, digits, . - _",
  },
  {
    type: "AWS::Events::Rule",
    property: "Targets[].Id",
    max: 64,
    pattern: /^[.\-_A-Za-z0-9]+$/,
    describe: "letters, digits, . - _",
  },
  {
    type: "AWS::Events::EventBus",
    property: "Name",
    max: 256,
    pattern: /^[/.\-_A-Za-z0-9]+$/,
    describe: "letters, digits, / . - _",
  },
  {
    type: "AWS::Events::Archive",
    property: "ArchiveName",
    max: 48,
    pattern: /^[.\-_A-Za-z0-9]+$/,
    describe: "letters, digits, . - _",
  },
  {
    type: "AWS::Lambda::Function",
    property: "FunctionName",
    max: 64,
    pattern: /^[a-zA-Z0-9-_]+$/,
    describe: "letters, digits, - _",
  },
  {
    type: "AWS::IAM::Role",
    property: "RoleName",
    max: 64,
    pattern: /^[\w+=,.@-]+$/,
    describe: "letters, digits, + = , . @ - _",
  },
  {
    type: "AWS::SQS::Queue",
    property: "QueueName",
    max: 80,
    pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
    describe: "letters, digits, - _ (and .fifo)",
  },
  {
    type: "AWS::SNS::Topic",
    property: "TopicName",
    max: 256,
    pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
    describe: "letters, digits, - _ (and .fifo)",
  },
  {
    type: "AWS::StepFunctions::StateMachine",
    property: "StateMachineName",
    max: 80,
    pattern: /^[A-Za-z0-9_-]+$/,
    describe: "letters, digits, - _",
  },
  {
    type: "AWS::DynamoDB::Table",
    property: "TableName",
    min: 3,
    max: 255,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    describe: "letters, digits, . - _",
  },
];

export function checkNameConstraints(template: Template, report: Reporter): void {
  for (const [logicalId, resource] of resourcesOf(template)) {
    if (!isObject(resource.Properties)) continue;
    for (const constraint of CONSTRAINTS) {
      if (constraint.type !== resource.Type) continue;
      for (const [path, value] of valuesAt(resource.Properties, constraint.property)) {
        if (typeof value !== "string" || asIntrinsic(value)) continue;
        const min = constraint.min ?? 1;
        const where = `Properties.${path}`;
        if (value.length < min || value.length > constraint.max)
          report.add(
            "resource-spec",
            logicalId,
            where,
            `${JSON.stringify(value)} is ${value.length} characters long`,
            `${min} to ${constraint.max} characters`,
          );
        else if (!constraint.pattern.test(value))
          report.add(
            "resource-spec",
            logicalId,
            where,
            `${JSON.stringify(value)} has characters AWS rejects`,
            constraint.describe,
          );
      }
    }
  }
}

function valuesAt(properties: Record<string, unknown>, property: string): [string, unknown][] {
  const [list, field] = property.split("[].");
  if (field === undefined || list === undefined)
    return property in properties ? [[property, properties[property]]] : [];
  const elements = properties[list];
  if (!Array.isArray(elements)) return [];
  return elements.flatMap((element, index): [string, unknown][] =>
    isObject(element) && field in element ? [[`${list}[${index}].${field}`, element[field]]] : [],
  );
}
