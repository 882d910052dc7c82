import { type MessageKind, registry } from "@keel/contracts";
import { type CloudFormationTemplate, listServices, packagedTemplates } from "@keel/serverless";
import { deepEqual, isRecord } from "./json";
import { parseSource } from "./naming";

/** What the ownership rules read of a registry entry. */
export interface RoutedMessage {
  name: string;
  kind: MessageKind;
  owner: string;
  source: string;
}

/** A packaged service: its CloudFormation template and its resolved serverless.yml (for `custom.domain`). */
export interface PackagedService {
  service: string;
  template: CloudFormationTemplate;
  resolved: { custom?: Record<string, unknown> };
}

export const OWNERSHIP_RULES = [
  "SERVICE_WITHOUT_DOMAIN",
  "WILDCARD_SUBSCRIPTION",
  "UNREGISTERED_SUBSCRIPTION",
  "COMMAND_SUBSCRIBED_BY_NON_OWNER",
  "WRONG_BUS",
  "PUBLISHES_FOREIGN_SOURCE",
  "PUBLISHES_UNREGISTERED_MESSAGE",
  "PUBLISH_SOURCE_NOT_STATIC",
  "PUT_EVENTS_WITHOUT_SOURCE_CONDITION",
  "PUT_EVENTS_WILDCARD_SOURCE",
  "STATE_MACHINE_UNREADABLE",
] as const;
export type OwnershipRule = (typeof OWNERSHIP_RULES)[number];

export interface OwnershipViolation {
  service: string;
  /** The CloudFormation logical id (and the state, for a state machine task). */
  resource: string;
  rule: OwnershipRule;
  detail: string;
}

/**
 * AWS service events a rule may subscribe to besides registered messages: Step Functions status
 * changes (default bus only: Step Functions emits nowhere else) and Lambda destinations' results.
 */
export const AWS_SERVICE_EVENTS: Readonly<Record<string, readonly string[]>> = {
  "aws.states": ["Step Functions Execution Status Change"],
  lambda: ["Lambda Function Invocation Result - Success", "Lambda Function Invocation Result - Failure"],
};

/**
 * Domains that may subscribe to commands they do not own: the platform's audit writer records
 * every message on both buses (it handles none of them).
 */
export const OBSERVER_DOMAINS: readonly string[] = ["platform"];

export interface OwnershipOptions {
  messages?: readonly RoutedMessage[];
}

/**
 * The ownership rules over packaged services:
 * - subscriptions: every EventBridge rule filters on `source` and `detail-type` with lists of
 *   exact strings (no missing key, no prefix/wildcard/anything-but), each listed detail-type is a
 *   registered message published with one of the listed sources (or an allowed AWS service
 *   event), each listed source publishes one of them, the rule is on the bus the message travels
 *   on, and only the owner (or an observer) subscribes to a command;
 * - publishing: the sources a service may publish — `events:source` conditions of its roles'
 *   `events:PutEvents` statements, and `Source` of its state machines' `events:putEvents` tasks —
 *   are sources of messages its domain sends: events it owns, commands it sends.
 *
 * EventBridge matches the cross product of a rule's sources and detail-types: a rule for
 * [payments.service, inventory.service] × [PaymentFailed, InventoryReserved] also matches
 * (payments.service, InventoryReserved), which no one may publish (publishing is checked here
 * too), so the rule is judged value by value, not pair by pair.
 */
export function checkOwnership(
  services: readonly PackagedService[],
  options: OwnershipOptions = {},
): OwnershipViolation[] {
  const messages = options.messages ?? (Object.values(registry) as RoutedMessage[]);
  return services.flatMap((service) => checkService(service, messages));
}

function checkService(packaged: PackagedService, messages: readonly RoutedMessage[]): OwnershipViolation[] {
  const violations: OwnershipViolation[] = [];
  const add = (resource: string, rule: OwnershipRule, detail: string) =>
    violations.push({ service: packaged.service, resource, rule, detail });
  const domain = typeof packaged.resolved.custom?.domain === "string" ? packaged.resolved.custom.domain : undefined;
  if (!domain) {
    add(
      "custom.domain",
      "SERVICE_WITHOUT_DOMAIN",
      "the service declares no custom.domain: ownership cannot be checked",
    );
  }
  const resources = packaged.template.Resources ?? {};
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === "AWS::Events::Rule") checkRule(id, resource.Properties ?? {}, domain, messages, add);
  }
  if (domain) {
    const allowed = sendableSources(domain, messages);
    checkRoles(packaged.template, domain, allowed, messages, add);
    for (const [id, resource] of Object.entries(resources)) {
      if (resource.Type === "AWS::StepFunctions::StateMachine") {
        checkStateMachine(id, resource.Properties ?? {}, domain, allowed, messages, add);
      }
    }
  }
  return violations;
}

type Add = (resource: string, rule: OwnershipRule, detail: string) => void;

/** The sources a domain may publish with: those of the events it owns and of the commands it sends. */
export function sendableSources(domain: string, messages: readonly RoutedMessage[]): Set<string> {
  return new Set(
    messages
      .filter((message) =>
        message.kind === "event" ? message.owner === domain : parseSource(message.source)?.domain === domain,
      )
      .map((message) => message.source),
  );
}

// ── subscriptions ────────────────────────────────────────────────────────────────────────────

type Filter = { values: string[] } | { problem: string };

function exactFilter(value: unknown, key: string): Filter {
  if (value === undefined) return { problem: `no ${key} filter: the rule matches every ${key}` };
  if (!Array.isArray(value) || value.length === 0) return { problem: `${key} is not a list of exact strings` };
  const pattern = value.find((item) => typeof item !== "string");
  if (pattern !== undefined) {
    return { problem: `${key} matches ${JSON.stringify(pattern)}, a content filter rather than exact names` };
  }
  return { values: value as string[] };
}

type Bus = "default" | "command" | "event" | "unknown";

/** Which bus a rule or a task names: by the bus's name (`keel-dev-commands`, `CommandBus`, …). */
function busOf(value: unknown): Bus {
  if (value === undefined) return "default";
  const name = busName(value).toLowerCase();
  if (name === "default") return "default";
  if (name.includes("command")) return "command";
  if (name.includes("event")) return "event";
  return "unknown";
}

/** The bus's name for a report: `keel-dev-events`, or the logical id of a bus of the template. */
function busName(value: unknown): string {
  if (value === undefined) return "the default bus";
  const text = typeof value === "string" ? value : JSON.stringify(substituted(value));
  const named = /event-bus\/([A-Za-z0-9._-]+)/.exec(text)?.[1];
  if (named) return named;
  if (typeof value === "string") return value;
  if (isRecord(value)) {
    const ref = value.Ref ?? (Array.isArray(value["Fn::GetAtt"]) ? value["Fn::GetAtt"][0] : undefined);
    if (typeof ref === "string") return ref;
  }
  return text;
}

function checkRule(
  id: string,
  properties: Record<string, unknown>,
  domain: string | undefined,
  messages: readonly RoutedMessage[],
  add: Add,
) {
  let pattern: unknown = properties.EventPattern;
  if (typeof pattern === "string") {
    try {
      pattern = JSON.parse(pattern);
    } catch {
      return add(id, "WILDCARD_SUBSCRIPTION", "the event pattern is not JSON");
    }
  }
  if (!isRecord(pattern)) {
    if (properties.ScheduleExpression !== undefined) return; // a schedule, not a subscription
    return add(id, "WILDCARD_SUBSCRIPTION", "the rule has no event pattern");
  }
  const { $or, ...base } = pattern;
  const alternatives = Array.isArray($or)
    ? $or.map((branch) => ({ ...base, ...(isRecord(branch) ? branch : {}) }))
    : [base];
  const bus = busOf(properties.EventBusName);
  const onBus = busName(properties.EventBusName);

  for (const alternative of alternatives) {
    const sourceFilter = exactFilter(alternative.source, "source");
    const typeFilter = exactFilter(alternative["detail-type"], "detail-type");
    for (const filter of [sourceFilter, typeFilter]) {
      if ("problem" in filter) add(id, "WILDCARD_SUBSCRIPTION", `${filter.problem} (wildcard subscription)`);
    }
    if (!("values" in sourceFilter) || !("values" in typeFilter)) continue;
    const sources = sourceFilter.values;
    const detailTypes = typeFilter.values;

    for (const detailType of detailTypes) {
      const awsSources = sources.filter((source) => AWS_SERVICE_EVENTS[source]?.includes(detailType));
      if (awsSources.length > 0) {
        if (awsSources.includes("aws.states") && bus !== "default") {
          add(
            id,
            "WRONG_BUS",
            `Step Functions emits "${detailType}" on the default bus only; this rule is on ${onBus}`,
          );
        }
        continue;
      }
      const message = messages.find((candidate) => candidate.name === detailType);
      if (!message) {
        add(
          id,
          "UNREGISTERED_SUBSCRIPTION",
          `${detailType} is not a registered message (nor an allowed AWS service event: ${describeAwsEvents()})`,
        );
        continue;
      }
      if (!sources.includes(message.source)) {
        add(
          id,
          "UNREGISTERED_SUBSCRIPTION",
          `${detailType} is published with source ${message.source}, which the rule does not list: the rule never receives it`,
        );
        continue;
      }
      const expected = message.kind === "command" ? "command" : "event";
      if (bus !== "unknown" && bus !== expected) {
        add(
          id,
          "WRONG_BUS",
          `${detailType} is ${article(message.kind)} and travels on the ${expected} bus; this rule is on ${onBus}`,
        );
      }
      if (message.kind === "command" && domain && message.owner !== domain && !OBSERVER_DOMAINS.includes(domain)) {
        add(
          id,
          "COMMAND_SUBSCRIBED_BY_NON_OWNER",
          `${detailType} is addressed to ${message.owner}; ${domain} must not receive it (a command has exactly one handler)`,
        );
      }
    }
    // A listed source must be one messages (or AWS service events) are published with; whether it
    // carries each listed detail-type is judged above, per detail-type (see checkOwnership).
    for (const source of sources) {
      if (AWS_SERVICE_EVENTS[source] || messages.some((message) => message.source === source)) continue;
      add(id, "UNREGISTERED_SUBSCRIPTION", `source ${source} is no registered message's source`);
    }
  }
}

/** `Fn::Sub [template, variables]` with its own variables substituted, for display. */
function substituted(value: unknown): unknown {
  if (!isRecord(value) || !Array.isArray(value["Fn::Sub"])) return value;
  const [template, variables] = value["Fn::Sub"];
  if (typeof template !== "string" || !isRecord(variables)) return value;
  return template.replace(/\$\{([^}!]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    return typeof variable === "string" ? variable : whole;
  });
}

const possessive = (name: string) => (name.endsWith("s") ? `${name}'` : `${name}'s`);

const article = (kind: MessageKind) => (kind === "event" ? "an event" : "a command");

const describeAwsEvents = () =>
  Object.entries(AWS_SERVICE_EVENTS)
    .map(([source, types]) => `${source}: ${types.map((type) => `"${type}"`).join(", ")}`)
    .join("; ");

// ── publishing: IAM ──────────────────────────────────────────────────────────────────────────

type Statement = Record<string, unknown>;

const toList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

function statementsOf(resource: { Type: string; Properties?: Record<string, unknown> }): Statement[] {
  const documents =
    resource.Type === "AWS::IAM::Role"
      ? toList(resource.Properties?.Policies).map((policy) => (isRecord(policy) ? policy.PolicyDocument : undefined))
      : [resource.Properties?.PolicyDocument];
  return documents.flatMap((document) => (isRecord(document) ? toList(document.Statement).filter(isRecord) : []));
}

function actionMatches(pattern: unknown, action: string): boolean {
  if (typeof pattern !== "string") return false;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return regex.test(action);
}

function allowsPutEvents(statement: Statement): boolean {
  if (statement.Effect !== "Allow") return false;
  if (statement.Action !== undefined)
    return toList(statement.Action).some((action) => actionMatches(action, "events:PutEvents"));
  if (statement.NotAction !== undefined) {
    return !toList(statement.NotAction).some((action) => actionMatches(action, "events:PutEvents"));
  }
  return false;
}

/** The values of positive `events:source` conditions (StringEquals, StringLike, with set/IfExists forms). */
function sourceConditions(statement: Statement): { values: unknown[]; like: boolean } | undefined {
  if (!isRecord(statement.Condition)) return undefined;
  let found: { values: unknown[]; like: boolean } | undefined;
  for (const [operator, block] of Object.entries(statement.Condition)) {
    const base = operator.replace(/^For(All|Any)Values:/, "").replace(/IfExists$/, "");
    if (!["StringEquals", "StringEqualsIgnoreCase", "StringLike"].includes(base) || !isRecord(block)) continue;
    for (const [key, values] of Object.entries(block)) {
      if (key.toLowerCase() !== "events:source") continue;
      found = {
        values: [...(found?.values ?? []), ...toList(values)],
        like: (found?.like ?? false) || base === "StringLike",
      };
    }
  }
  return found;
}

/**
 * Lambda publishes a function's destination records with this source, under the function's role:
 * a role may allow it (the way to condition the statements osls adds for destinations).
 */
const LAMBDA_DESTINATION_SOURCE = "lambda";

function checkRoles(
  template: CloudFormationTemplate,
  domain: string,
  allowed: Set<string>,
  messages: readonly RoutedMessage[],
  add: Add,
) {
  const destinations = lambdaDestinations(template);
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (!["AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"].includes(resource.Type)) continue;
    const unconditioned: Statement[] = [];
    for (const statement of statementsOf(resource).filter(allowsPutEvents)) {
      const condition = sourceConditions(statement);
      if (!condition) {
        unconditioned.push(statement);
        continue;
      }
      for (const value of condition.values) {
        if (typeof value !== "string" || (condition.like && /[*?]/.test(value))) {
          add(
            id,
            "PUT_EVENTS_WILDCARD_SOURCE",
            `events:source ${JSON.stringify(value)} is not an exact source: the role may publish sources ${domain} does not own`,
          );
        } else if (!allowed.has(value) && value !== LAMBDA_DESTINATION_SOURCE) {
          add(
            id,
            "PUBLISHES_FOREIGN_SOURCE",
            foreignSource(value, domain, allowed, messages, "the role may publish with"),
          );
        }
      }
    }
    if (unconditioned.length > 0)
      add(id, "PUT_EVENTS_WITHOUT_SOURCE_CONDITION", unconditionedDetail(resource, unconditioned, destinations));
  }
}

function foreignSource(
  source: string,
  domain: string,
  allowed: Set<string>,
  messages: readonly RoutedMessage[],
  verb: string,
): string {
  const carried = messages.filter((message) => message.source === source);
  const sender = parseSource(source)?.domain ?? "another domain";
  const whose = carried.length
    ? `which carries ${possessive(sender)} messages (${carried.map((message) => message.name).join(", ")})`
    : "which is no registered message's source";
  const mine = allowed.size ? [...allowed].join(", ") : "no source (it publishes nothing)";
  return `${verb} ${source}, ${whose}: ${domain} may publish only ${mine}`;
}

interface Destination {
  function: string;
  on: string;
  arn: unknown;
}

/** Lambda destinations (`AWS::Lambda::EventInvokeConfig`): osls grants PutEvents for those on a bus. */
function lambdaDestinations(template: CloudFormationTemplate): Destination[] {
  return Object.values(template.Resources ?? {})
    .filter((resource) => resource.Type === "AWS::Lambda::EventInvokeConfig")
    .flatMap((resource) => {
      const properties = resource.Properties ?? {};
      const fn = isRecord(properties.FunctionName) ? properties.FunctionName.Ref : properties.FunctionName;
      const config = isRecord(properties.DestinationConfig) ? properties.DestinationConfig : {};
      return (["OnSuccess", "OnFailure"] as const).flatMap((on) => {
        const target = config[on];
        const arn = isRecord(target) ? target.Destination : undefined;
        return arn !== undefined ? [{ function: String(fn), on, arn }] : [];
      });
    });
}

function unconditionedDetail(
  resource: { Type: string; Properties?: Record<string, unknown> },
  statements: Statement[],
  destinations: Destination[],
): string {
  const buses = [...new Set(statements.flatMap((statement) => toList(statement.Resource).map(busName)))];
  const trust = JSON.stringify(resource.Properties?.AssumeRolePolicyDocument ?? "");
  const head = `${statements.length} events:PutEvents statement(s) without an events:source condition on ${buses.join(", ")}: whatever runs with it may publish any source, another domain's events included`;
  if (trust.includes("states")) {
    return `${head}. serverless-step-functions grants them for the state machine's events:putEvents tasks; the tasks' own Source fields are checked separately`;
  }
  const fromDestinations = statements.filter(
    (statement) =>
      typeof statement.Action === "string" &&
      !statement.Condition &&
      destinations.some((destination) => deepEqual(destination.arn, statement.Resource)),
  );
  if (fromDestinations.length === 0) return head;
  const names = destinations
    .filter((destination) => fromDestinations.some((statement) => deepEqual(destination.arn, statement.Resource)))
    .map((destination) => `${destination.function.replace(/LambdaFunction$/, "")} ${destination.on}`);
  return `${head}. ${fromDestinations.length} of them are added by osls for Lambda destinations on an event bus (${names.join(", ")}), which Lambda publishes with source "lambda"`;
}

// ── publishing: state machines ───────────────────────────────────────────────────────────────

function definitionOf(properties: Record<string, unknown>): unknown {
  if (isRecord(properties.Definition)) return properties.Definition;
  const raw = properties.DefinitionString;
  let text: string | undefined;
  if (typeof raw === "string") text = raw;
  else if (isRecord(raw) && raw["Fn::Sub"] !== undefined) {
    const sub = raw["Fn::Sub"];
    text = typeof sub === "string" ? sub : Array.isArray(sub) && typeof sub[0] === "string" ? sub[0] : undefined;
  } else if (isRecord(raw) && Array.isArray(raw["Fn::Join"])) {
    const [separator, parts] = raw["Fn::Join"];
    if (typeof separator === "string" && Array.isArray(parts)) {
      text = parts.map((part) => (typeof part === "string" ? part : "__intrinsic__")).join(separator);
    }
  }
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function* statesOf(definition: unknown, prefix = ""): Generator<[string, Record<string, unknown>]> {
  if (!isRecord(definition) || !isRecord(definition.States)) return;
  for (const [name, state] of Object.entries(definition.States)) {
    if (!isRecord(state)) continue;
    const path = prefix ? `${prefix}/${name}` : name;
    yield [path, state];
    for (const branch of toList(state.Branches)) yield* statesOf(branch, path);
    if (state.Iterator) yield* statesOf(state.Iterator, path);
    if (state.ItemProcessor) yield* statesOf(state.ItemProcessor, path);
  }
}

const isDynamic = (value: unknown) => typeof value === "string" && value.trim().startsWith("{%");

function checkStateMachine(
  id: string,
  properties: Record<string, unknown>,
  domain: string,
  allowed: Set<string>,
  messages: readonly RoutedMessage[],
  add: Add,
) {
  const definition = definitionOf(properties);
  if (!definition) {
    return add(id, "STATE_MACHINE_UNREADABLE", "the definition could not be read: what it publishes cannot be checked");
  }
  for (const [state, task] of statesOf(definition)) {
    if (
      task.Type !== "Task" ||
      typeof task.Resource !== "string" ||
      !/:states:::events:putEvents/.test(task.Resource)
    ) {
      continue;
    }
    const where = `${id} ${state}`;
    const parameters = isRecord(task.Parameters) ? task.Parameters : isRecord(task.Arguments) ? task.Arguments : {};
    if (!Array.isArray(parameters.Entries)) {
      add(where, "PUBLISH_SOURCE_NOT_STATIC", "the entries are computed at run time: their source cannot be checked");
      continue;
    }
    parameters.Entries.forEach((entry, index) => {
      if (!isRecord(entry)) return;
      const source = entry.Source;
      if (typeof source !== "string" || isDynamic(source)) {
        add(
          where,
          "PUBLISH_SOURCE_NOT_STATIC",
          `Entries[${index}].Source is computed at run time: write the source itself`,
        );
        return;
      }
      if (!allowed.has(source))
        add(where, "PUBLISHES_FOREIGN_SOURCE", foreignSource(source, domain, allowed, messages, "it publishes with"));
      const detailType = entry.DetailType;
      if (typeof detailType !== "string" || isDynamic(detailType)) return; // e.g. DetailType.$: the command's name
      const message = messages.find((candidate) => candidate.name === detailType);
      if (!message || message.source !== source) {
        add(
          where,
          "PUBLISHES_UNREGISTERED_MESSAGE",
          message
            ? `${detailType} is published with source ${message.source}, not ${source}`
            : `${detailType} is not a registered message`,
        );
        return;
      }
      const bus = busOf(entry.EventBusName);
      const expected = message.kind === "command" ? "command" : "event";
      if (entry.EventBusName !== undefined && bus !== "unknown" && bus !== expected) {
        add(
          where,
          "WRONG_BUS",
          `${detailType} is ${article(message.kind)} and travels on the ${expected} bus, not ${busName(entry.EventBusName)}`,
        );
      }
    });
  }
}

// ── packaging ────────────────────────────────────────────────────────────────────────────────

/** The services' packaged templates (from the shared packaging cache), for the ownership rules. */
export async function packageForOwnership(
  services: readonly string[] = listServices(),
  options: { stage?: string; timeoutMs?: number } = {},
): Promise<PackagedService[]> {
  const packaged = await packagedTemplates(services, {
    stage: options.stage ?? "dev",
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return packaged.map(({ service, template, resolved }) => ({ service, template, resolved }));
}

/** `orders IamRoleLambdaExecution: PUT_EVENTS_WITHOUT_SOURCE_CONDITION (…)`. */
export function formatOwnershipViolation(violation: OwnershipViolation): string {
  return `${violation.service} ${violation.resource}: ${violation.rule} (${violation.detail})`;
}
