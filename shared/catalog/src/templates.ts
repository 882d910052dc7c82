import type { CloudFormationTemplate } from "@keel/serverless";

/** What a service's packaged template says about the messages it receives and publishes. */

type JsonObject = Record<string, unknown>;

const isRecord = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const toList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** A function or state machine of the template that a rule delivers to. */
export interface Consumer {
  logicalId: string;
  kind: "function" | "state machine";
  /** The deployed name (`FunctionName`, `StateMachineName`) when the template sets it. */
  name?: string;
}

/** One `source` × `detail-type` alternative of a rule's pattern, with exact values only. */
export interface RoutedPattern {
  sources: string[];
  detailTypes: string[];
  /** Filters that are not lists of exact strings (prefix, wildcard, anything-but, a missing key). */
  inexact: string[];
}

export interface Route {
  rule: string;
  patterns: RoutedPattern[];
  consumers: Consumer[];
}

function exact(value: unknown, key: string): { values: string[]; inexact?: string } {
  if (value === undefined) return { values: [], inexact: `no ${key} filter` };
  const list = toList(value);
  const values = list.filter((item): item is string => typeof item === "string");
  return values.length === list.length ? { values } : { values, inexact: `${key} ${JSON.stringify(value)}` };
}

function patternOf(properties: JsonObject): JsonObject | undefined {
  const pattern = properties.EventPattern;
  if (typeof pattern !== "string") return isRecord(pattern) ? pattern : undefined;
  try {
    const parsed: unknown = JSON.parse(pattern);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The function or state machine an EventBridge target's `Arn` names, if it is one of the template's. */
function consumerOf(template: CloudFormationTemplate, arn: unknown): Consumer | undefined {
  if (!isRecord(arn)) return undefined;
  const getAtt = arn["Fn::GetAtt"];
  const logicalId = typeof arn.Ref === "string" ? arn.Ref : Array.isArray(getAtt) ? getAtt[0] : undefined;
  if (typeof logicalId !== "string") return undefined;
  const resource = template.Resources[logicalId];
  const properties = resource?.Properties ?? {};
  if (resource?.Type === "AWS::Lambda::Function") {
    const name = typeof properties.FunctionName === "string" ? properties.FunctionName : undefined;
    return { logicalId, kind: "function", ...(name ? { name } : {}) };
  }
  if (resource?.Type === "AWS::StepFunctions::StateMachine") {
    const name = typeof properties.StateMachineName === "string" ? properties.StateMachineName : undefined;
    return { logicalId, kind: "state machine", ...(name ? { name } : {}) };
  }
  return undefined;
}

/**
 * Every EventBridge rule of the template with an event pattern (schedules are not routes), its
 * pattern split into its `$or` alternatives, and the functions and state machines it delivers to.
 */
export function routesOf(template: CloudFormationTemplate): Route[] {
  const routes: Route[] = [];
  for (const [rule, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Events::Rule") continue;
    const properties = resource.Properties ?? {};
    const pattern = patternOf(properties);
    if (!pattern) continue;
    const { $or, ...base } = pattern;
    const alternatives = Array.isArray($or)
      ? $or.map((branch) => ({ ...base, ...(isRecord(branch) ? branch : {}) }))
      : [base];
    const patterns = alternatives.map((alternative): RoutedPattern => {
      const sources = exact(alternative.source, "source");
      const detailTypes = exact(alternative["detail-type"], "detail-type");
      return {
        sources: sources.values,
        detailTypes: detailTypes.values,
        inexact: [sources.inexact, detailTypes.inexact].filter((item): item is string => item !== undefined),
      };
    });
    const consumers = toList(properties.Targets)
      .map((target) => (isRecord(target) ? consumerOf(template, target.Arn) : undefined))
      .filter((consumer): consumer is Consumer => consumer !== undefined);
    routes.push({ rule, patterns, consumers });
  }
  return routes;
}

// ── publishing ───────────────────────────────────────────────────────────────────────────────

/** One way the template lets its code publish: a role's `events:source` condition, or a state machine task. */
export interface Publication {
  source: string;
  /** The detail-types, when the grant's `events:detail-type` condition or the task fixes them. */
  detailTypes?: string[];
  /** The bus, when the grant or the task names only one kind. */
  bus?: "command" | "event";
  /** `IamRoleLambdaExecution`, or `CreateOrderStateMachine AuthorizePayment`. */
  via: string;
}

function statementsOf(resource: { Type: string; Properties?: JsonObject }): JsonObject[] {
  const documents =
    resource.Type === "AWS::IAM::Role"
      ? toList(resource.Properties?.Policies).map((policy) => (isRecord(policy) ? policy.PolicyDocument : undefined))
      : [resource.Properties?.PolicyDocument];
  return documents.flatMap((document) => (isRecord(document) ? toList(document.Statement).filter(isRecord) : []));
}

const allowsPutEvents = (statement: JsonObject) =>
  statement.Effect === "Allow" &&
  toList(statement.Action).some((action) => typeof action === "string" && /^events:(PutEvents|\*)$/i.test(action));

/** The exact values of a statement's `StringEquals` (or set/IfExists forms) condition on `key`. */
function conditionValues(statement: JsonObject, key: string): string[] | undefined {
  if (!isRecord(statement.Condition)) return undefined;
  let found: string[] | undefined;
  for (const [operator, block] of Object.entries(statement.Condition)) {
    const base = operator.replace(/^For(All|Any)Values:/, "").replace(/IfExists$/, "");
    if (base !== "StringEquals" || !isRecord(block)) continue;
    for (const [name, values] of Object.entries(block)) {
      if (name.toLowerCase() !== key) continue;
      found = [...(found ?? []), ...toList(values).filter((value): value is string => typeof value === "string")];
    }
  }
  return found;
}

/** The bus an ARN, a name or a reference points at: `keel-dev-commands`, or a logical id. */
function busNameOf(value: unknown): string | undefined {
  if (typeof value === "string")
    return /event-bus\/([^/]+)$/.exec(value)?.[1] ?? (value.includes(":") ? undefined : value);
  if (!isRecord(value)) return undefined;
  const sub = value["Fn::Sub"];
  if (typeof sub === "string") return busNameOf(sub);
  if (Array.isArray(sub) && typeof sub[0] === "string") {
    const variables = isRecord(sub[1]) ? sub[1] : {};
    return busNameOf(
      sub[0].replace(/\$\{([^}!]+)\}/g, (whole, name: string) => {
        const variable = variables[name];
        return typeof variable === "string" ? variable : whole;
      }),
    );
  }
  const getAtt = value["Fn::GetAtt"];
  const ref = value.Ref ?? (Array.isArray(getAtt) ? getAtt[0] : undefined);
  return typeof ref === "string" ? ref : undefined;
}

/** The one kind of bus all of `values` name (`keel-dev-commands`, `CommandBus`, …), if they agree. */
function busKindOf(values: readonly unknown[]): "command" | "event" | undefined {
  const kinds = new Set(
    values.map((value) => {
      const name = busNameOf(value) ?? "";
      return /command/i.test(name) ? "command" : /event/i.test(name) ? "event" : undefined;
    }),
  );
  const [kind] = kinds;
  return kinds.size === 1 ? kind : undefined;
}

function definitionOf(properties: JsonObject): unknown {
  if (isRecord(properties.Definition)) return properties.Definition;
  const raw = properties.DefinitionString;
  const sub = isRecord(raw) ? raw["Fn::Sub"] : undefined;
  const text = typeof raw === "string" ? raw : typeof sub === "string" ? sub : Array.isArray(sub) ? sub[0] : undefined;
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function* tasksOf(definition: unknown): Generator<[string, JsonObject]> {
  if (!isRecord(definition) || !isRecord(definition.States)) return;
  for (const [name, state] of Object.entries(definition.States)) {
    if (!isRecord(state)) continue;
    yield [name, state];
    for (const branch of toList(state.Branches)) yield* tasksOf(branch);
    if (state.Iterator) yield* tasksOf(state.Iterator);
    if (state.ItemProcessor) yield* tasksOf(state.ItemProcessor);
  }
}

/**
 * What the template lets its code publish: the sources of `events:source` conditions on
 * `events:PutEvents` grants, and the entries of state machines' `events:putEvents` tasks.
 */
export function publicationsOf(template: CloudFormationTemplate): Publication[] {
  const publications: Publication[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (["AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"].includes(resource.Type)) {
      for (const statement of statementsOf(resource).filter(allowsPutEvents)) {
        const detailTypes = conditionValues(statement, "events:detail-type");
        const bus = busKindOf(toList(statement.Resource));
        for (const source of conditionValues(statement, "events:source") ?? []) {
          publications.push({ source, via: id, ...(detailTypes ? { detailTypes } : {}), ...(bus ? { bus } : {}) });
        }
      }
    }
    if (resource.Type !== "AWS::StepFunctions::StateMachine") continue;
    for (const [state, task] of tasksOf(definitionOf(resource.Properties ?? {}))) {
      if (typeof task.Resource !== "string" || !/:states:::events:putEvents/.test(task.Resource)) continue;
      const parameters = isRecord(task.Parameters) ? task.Parameters : isRecord(task.Arguments) ? task.Arguments : {};
      for (const entry of toList(parameters.Entries).filter(isRecord)) {
        if (typeof entry.Source !== "string" || entry.Source.startsWith("{%")) continue;
        const detailType =
          typeof entry.DetailType === "string" && !entry.DetailType.startsWith("{%") ? entry.DetailType : undefined;
        const bus = entry.EventBusName === undefined ? undefined : busKindOf([entry.EventBusName]);
        publications.push({
          source: entry.Source,
          via: `${id} ${state}`,
          ...(detailType ? { detailTypes: [detailType] } : {}),
          ...(bus ? { bus } : {}),
        });
      }
    }
  }
  return publications;
}
