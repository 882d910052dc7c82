/**
 * Wiring between the services, for one stage: the compose params map to platform outputs that exist
 * and say what each domain assumes when deployed alone; every bus a domain names is one the platform
 * creates (commands on the command bus, events on the event bus); every rule and every message a
 * workflow sends matches a registry message, or an AWS service's own events.
 */
import { getMessage, type MessageDefinition, messageNames, registry } from "@keel/contracts";
import { evaluate, withDummyPseudoParameters } from "./evaluate";
import { rulePatterns } from "./event-patterns";
import { asIntrinsic, isObject } from "./intrinsics";
import { childPath, closest, type Problem, Reporter } from "./report";
import { stateMachineDefinitions } from "./state-machines";
import { resourcesOf, type Template } from "./template";

export interface ServiceTemplate {
  service: string;
  template: Template;
  /** The resolved serverless config (serverless-state.json's `service`), for the params' values. */
  resolved?: Record<string, unknown>;
}

/** serverless-compose.yml, parsed. */
export interface ComposeConfig {
  services: Record<string, { path?: string; params?: Record<string, unknown> }>;
}

/** Events AWS services put on a bus themselves, by source. */
export const AWS_SERVICE_EVENTS: Record<string, readonly string[]> = {
  "aws.states": ["Step Functions Execution Status Change"],
  lambda: ["Lambda Function Invocation Result - Success", "Lambda Function Invocation Result - Failure"],
};

const DEFAULT_BUS = "default";
type BusKind = "command" | "event";

interface Buses {
  /** Bus name → what travels on it. */
  byName: Map<string, BusKind>;
  names: Record<BusKind, string | undefined>;
  /** The platform's queues and topics by name, which domains name in ARNs (dead letters, alarms). */
  named: Record<"sqs" | "sns", Set<string>>;
}

const NAMED_TYPES = { sqs: "AWS::SQS::Queue", sns: "AWS::SNS::Topic" } as const;
const NAME_PROPERTIES = { sqs: "QueueName", sns: "TopicName" } as const;

const PLATFORM = "platform";
const BUS_LOGICAL_IDS: Record<BusKind, string> = { command: "CommandBus", event: "EventBus" };

export function checkWiring(services: readonly ServiceTemplate[], compose: ComposeConfig): Problem[] {
  const problems: Problem[] = [];
  const platform = services.find((service) => service.service === PLATFORM);
  if (!platform) return problems;
  const buses = platformBuses(platform, problems);

  for (const service of services) {
    const report = new Reporter(service.service);
    const composeReport = new Reporter(service.service, "compose");
    const own = ownBuses(service.template);
    if (service.service !== PLATFORM) {
      checkComposeParams(service, platform, compose, composeReport);
      checkBusNames(service.template, buses, own, report);
    }
    checkRules(service.template, buses, own, report);
    checkWorkflowMessages(service.template, buses, report);
    problems.push(...composeReport.problems, ...report.problems);
  }
  return problems;
}

function platformBuses(platform: ServiceTemplate, problems: Problem[]): Buses {
  const buses: Buses = {
    byName: new Map(),
    names: { command: undefined, event: undefined },
    named: { sqs: namesOf(platform.template, "sqs"), sns: namesOf(platform.template, "sns") },
  };
  const report = new Reporter(PLATFORM);
  for (const kind of ["command", "event"] as const) {
    const logicalId = BUS_LOGICAL_IDS[kind];
    const resource = platform.template.Resources?.[logicalId];
    if (!isObject(resource) || resource.Type !== "AWS::Events::EventBus") {
      report.add(
        "wiring",
        logicalId,
        "",
        `the platform declares no ${kind} bus`,
        `an AWS::Events::EventBus named ${logicalId}`,
      );
      continue;
    }
    const name = evaluate({ Ref: logicalId }, platform.template);
    if (name === undefined) continue;
    buses.byName.set(name, kind);
    buses.names[kind] = name;
  }
  problems.push(...report.problems);
  return buses;
}

function namesOf(template: Template, service: "sqs" | "sns"): Set<string> {
  const names = new Set<string>();
  for (const resource of resourcesOf(template).values()) {
    if (resource.Type !== NAMED_TYPES[service] || !isObject(resource.Properties)) continue;
    const name = evaluate(resource.Properties[NAME_PROPERTIES[service]], template);
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** Buses a service declares itself (a domain may keep a private one). */
function ownBuses(template: Template): Set<string> {
  const names = new Set<string>();
  for (const [logicalId, resource] of resourcesOf(template)) {
    if (resource.Type !== "AWS::Events::EventBus") continue;
    const name = evaluate({ Ref: logicalId }, template);
    if (name) names.add(name);
  }
  return names;
}

/** `arn:…:event-bus/keel-dev-events` → `keel-dev-events`; a plain name stays as it is. */
function busName(value: string): string {
  const arn = withDummyPseudoParameters(value).match(/^arn:[^:]*:events:[^:]*:[^:]*:event-bus\/(.+)$/);
  return arn?.[1] ?? value;
}

function describeBuses(buses: Buses): string {
  return `a platform bus: commands ${buses.names.command ?? "?"}, events ${buses.names.event ?? "?"}`;
}

function checkComposeParams(
  service: ServiceTemplate,
  platform: ServiceTemplate,
  compose: ComposeConfig,
  report: Reporter,
) {
  const entry = Object.entries(compose.services).find(
    ([name, config]) => (config.path ?? name).split("/").pop() === service.service,
  );
  if (!entry) return;
  const [composeName, config] = entry;
  const values = service.resolved ? paramValues(service.resolved) : new Map<string, string>();
  for (const [param, value] of Object.entries(config.params ?? {})) {
    const id = `services.${composeName}.params.${param}`;
    const reference = typeof value === "string" ? value.match(/^\$\{(\w[\w-]*)\.(\w+)\}$/) : null;
    if (!reference) continue;
    const [, source, output] = reference;
    if (source !== PLATFORM || output === undefined) continue;
    const outputs = platform.template.Outputs ?? {};
    const declared = outputs[output];
    if (!isObject(declared)) {
      report.add("wiring", id, "", `the platform has no output ${output}`, `one of ${Object.keys(outputs).join(", ")}`);
      continue;
    }
    // Deployed alone, the service uses its own default for the param: it must be what compose would pass.
    const expected = evaluate(declared.Value, platform.template);
    const actual = values.get(param);
    if (expected !== undefined && actual !== undefined && actual !== expected)
      report.add(
        "wiring",
        id,
        "",
        `${service.service} resolves \${param:${param}} to ${actual}, but the platform's ${output} is ${expected}`,
        `${expected}, the same in both`,
      );
  }
}

/**
 * Every bus the service names (functions' *_BUS_NAME variables, event-bus ARNs anywhere) and every
 * queue or topic ARN naming one it does not create itself: the platform must create them.
 */
function checkBusNames(template: Template, buses: Buses, own: Set<string>, report: Reporter) {
  const ownNamed = { sqs: namesOf(template, "sqs"), sns: namesOf(template, "sns") };
  for (const [logicalId, resource] of resourcesOf(template)) {
    if (!isObject(resource.Properties)) continue;
    if (resource.Type === "AWS::Lambda::Function") {
      const variables = isObject(resource.Properties.Environment)
        ? resource.Properties.Environment.Variables
        : undefined;
      for (const [name, value] of Object.entries(isObject(variables) ? variables : {})) {
        const kind = name === "COMMAND_BUS_NAME" ? "command" : name === "EVENT_BUS_NAME" ? "event" : undefined;
        const evaluated = evaluate(value, template);
        if (!kind || evaluated === undefined) continue;
        const expected = buses.names[kind];
        if (expected !== undefined && busName(evaluated) !== expected)
          report.add(
            "wiring",
            logicalId,
            `Properties.Environment.Variables.${name}`,
            `${evaluated} is not the platform's ${kind} bus`,
            expected,
          );
      }
    }
    walkStrings(resource.Properties, template, "Properties", (text, path) => {
      const named = text.match(/^arn:[^:]*:(sqs|sns):[^:]*:[^:]*:([^:/*]+)$/);
      const service = named?.[1] as "sqs" | "sns" | undefined;
      const resourceName = named?.[2];
      if (service && resourceName && !buses.named[service].has(resourceName) && !ownNamed[service].has(resourceName))
        report.add(
          "wiring",
          logicalId,
          path,
          `${service === "sqs" ? "queue" : "topic"} ${resourceName} is neither created here nor by the platform`,
          `one of the platform's: ${[...buses.named[service]].join(", ") || "none"}`,
        );
      const arn = text.match(/^arn:[^:]*:events:[^:]*:[^:]*:event-bus\/([^*]+)$/);
      const name = arn?.[1];
      if (name && !buses.byName.has(name) && !own.has(name) && name !== DEFAULT_BUS)
        report.add(
          "wiring",
          logicalId,
          path,
          `event bus ${name} is not one the platform creates`,
          describeBuses(buses),
        );
    });
  }
}

/** Calls back with every string the value holds, intrinsics evaluated where they can be. */
function walkStrings(value: unknown, template: Template, path: string, visit: (text: string, path: string) => void) {
  if (typeof value === "string") visit(value, path);
  else if (asIntrinsic(value)) {
    const evaluated = evaluate(value, template);
    if (evaluated !== undefined) visit(withDummyPseudoParameters(evaluated), path);
  } else if (Array.isArray(value)) {
    value.forEach((element, index) => {
      walkStrings(element, template, childPath(path, index), visit);
    });
  } else if (isObject(value))
    for (const [key, element] of Object.entries(value)) walkStrings(element, template, childPath(path, key), visit);
}

const SOURCES = new Set(Object.values(registry).map((message) => message.source));

function checkRules(template: Template, buses: Buses, own: Set<string>, report: Reporter) {
  const patterns = new Map(rulePatterns(template).map((rule) => [rule.logicalId, rule.pattern]));
  for (const [logicalId, resource] of resourcesOf(template)) {
    if (resource.Type !== "AWS::Events::Rule" || !isObject(resource.Properties)) continue;
    const busValue = resource.Properties.EventBusName;
    const evaluated = busValue === undefined ? DEFAULT_BUS : evaluate(busValue, template);
    const bus = evaluated === undefined ? undefined : busName(evaluated);
    if (bus !== undefined && bus !== DEFAULT_BUS && !buses.byName.has(bus) && !own.has(bus))
      report.add(
        "wiring",
        logicalId,
        "Properties.EventBusName",
        `event bus ${bus} is not one the platform creates`,
        describeBuses(buses),
      );
    const pattern = patterns.get(logicalId);
    if (isObject(pattern)) checkRoute(pattern, bus, buses, logicalId, report);
  }
}

/** A rule's `source` and `detail-type` against the registry (only their plain string values). */
function checkRoute(
  pattern: Record<string, unknown>,
  bus: string | undefined,
  buses: Buses,
  logicalId: string,
  report: Reporter,
) {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item) => typeof item === "string") : []);
  const sources = strings(pattern.source);
  const detailTypes = strings(pattern["detail-type"]);
  const path = "Properties.EventPattern";
  sources.forEach((source) => {
    if (!SOURCES.has(source) && !(source in AWS_SERVICE_EVENTS)) {
      const match = closest(source, [...SOURCES, ...Object.keys(AWS_SERVICE_EVENTS)]);
      report.add(
        "wiring",
        logicalId,
        `${path}.source`,
        `${source} is neither a registry source nor an AWS service's`,
        match ? `closest match ${match}` : `one of ${[...SOURCES].join(", ")}`,
      );
    }
    if (source.startsWith("aws.") && bus !== undefined && bus !== DEFAULT_BUS)
      report.add(
        "wiring",
        logicalId,
        "Properties.EventBusName",
        `AWS services put ${source} events on the default bus only, not ${bus}`,
        DEFAULT_BUS,
      );
  });
  detailTypes.forEach((detailType) => {
    const nativeSources = sources.filter((source) => AWS_SERVICE_EVENTS[source]?.includes(detailType));
    if (nativeSources.length > 0) return;
    const message = getMessage(detailType);
    if (!message) {
      const native = Object.values(AWS_SERVICE_EVENTS).flat();
      const match = closest(detailType, [...messageNames, ...native]);
      report.add(
        "wiring",
        logicalId,
        `${path}.detail-type`,
        `${detailType} is not a registry message`,
        match ? `closest match ${match}` : undefined,
      );
      return;
    }
    if (sources.length > 0 && !sources.includes(message.source))
      report.add(
        "wiring",
        logicalId,
        `${path}.source`,
        `${detailType} is published with source ${message.source}, which the rule does not match`,
        `source to include ${message.source}`,
      );
    checkBusKind(message, bus, buses, logicalId, "Properties.EventBusName", report);
  });
}

function checkBusKind(
  message: MessageDefinition,
  bus: string | undefined,
  buses: Buses,
  logicalId: string,
  path: string,
  report: Reporter,
) {
  const kind = bus === undefined ? undefined : buses.byName.get(bus);
  const expected = buses.names[message.kind];
  if (bus === undefined || expected === undefined || kind === message.kind) return;
  if (kind === undefined && bus !== DEFAULT_BUS) return;
  report.add(
    "wiring",
    logicalId,
    path,
    `${message.name} is ${message.kind === "command" ? "a command" : "an event"}, which travels on ${expected}, not ${bus}`,
    expected,
  );
}

/** Messages a workflow puts on a bus (`events:putEvents` tasks): registry messages, on the right bus. */
function checkWorkflowMessages(template: Template, buses: Buses, report: Reporter) {
  for (const { logicalId, path, definition } of stateMachineDefinitions(template)) {
    if (!definition) continue;
    for (const [state, task] of putEventsTasks(definition)) {
      const entries =
        isObject(task.Parameters) && Array.isArray(task.Parameters.Entries) ? task.Parameters.Entries : [];
      entries.forEach((entry: unknown, index) => {
        if (!isObject(entry)) return;
        const where = `${path}.States.${state}.Parameters.Entries[${index}]`;
        const bus = typeof entry.EventBusName === "string" ? busName(entry.EventBusName) : undefined;
        if (bus !== undefined && !buses.byName.has(bus))
          report.add(
            "wiring",
            logicalId,
            `${where}.EventBusName`,
            `event bus ${bus} is not one the platform creates`,
            describeBuses(buses),
          );
        const source = typeof entry.Source === "string" ? entry.Source : undefined;
        if (source !== undefined && !SOURCES.has(source))
          report.add(
            "wiring",
            logicalId,
            `${where}.Source`,
            `${source} is not a registry source`,
            `one of ${[...SOURCES].join(", ")}`,
          );
        if (typeof entry.DetailType !== "string") {
          // A dynamic detail-type: the envelope's literal meta.messageType still says which bus it needs.
          const meta = isObject(entry.Detail) && isObject(entry.Detail.meta) ? entry.Detail.meta : {};
          const kind = meta.messageType === "command" || meta.messageType === "event" ? meta.messageType : undefined;
          const expected = kind ? buses.names[kind] : undefined;
          if (kind && bus !== undefined && expected !== undefined && buses.byName.get(bus) !== kind)
            report.add(
              "wiring",
              logicalId,
              `${where}.EventBusName`,
              `the entry sends ${kind === "command" ? "a command" : "an event"} (Detail.meta.messageType), which travels on ${expected}, not ${bus}`,
              expected,
            );
          return;
        }
        const message = getMessage(entry.DetailType);
        if (!message) {
          report.add("wiring", logicalId, `${where}.DetailType`, `${entry.DetailType} is not a registry message`);
          return;
        }
        if (source !== undefined && message.source !== source)
          report.add(
            "wiring",
            logicalId,
            `${where}.Source`,
            `${message.name} is published with source ${message.source}, not ${source}`,
            message.source,
          );
        checkBusKind(message, bus, buses, logicalId, `${where}.EventBusName`, report);
      });
    }
  }
}

function putEventsTasks(definition: Record<string, unknown>): [string, Record<string, unknown>][] {
  const found: [string, Record<string, unknown>][] = [];
  const visit = (machine: unknown) => {
    const states = isObject(machine) && isObject(machine.States) ? machine.States : {};
    for (const [name, state] of Object.entries(states)) {
      if (!isObject(state)) continue;
      if (state.Type === "Task" && typeof state.Resource === "string" && state.Resource.includes(":events:putEvents"))
        found.push([name, state]);
      for (const branch of Array.isArray(state.Branches) ? state.Branches : []) visit(branch);
      visit(state.Iterator);
      visit(state.ItemProcessor);
    }
  };
  visit(definition);
  return found;
}

/** The params' values for the stage packaged: the stage's own, over the defaults (as the framework resolved them). */
export function paramValues(resolved: Record<string, unknown>): Map<string, string> {
  const initial = isObject(resolved.initialServerlessConfig) ? resolved.initialServerlessConfig : {};
  const params = isObject(initial.params) ? initial.params : {};
  const stage = isObject(resolved.provider) ? resolved.provider.stage : undefined;
  const merged = {
    ...(isObject(params.default) ? params.default : {}),
    ...(typeof stage === "string" && isObject(params[stage]) ? params[stage] : {}),
  };
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(merged)) {
    if (typeof value === "string" || typeof value === "number") values.set(name, String(value));
  }
  return values;
}
