import { AwsError, type JsonProtocolService } from "../aws/protocol";
import type { RuleDef } from "../config/model";
import type { EventBridge } from "./bus";
import { compileEventPattern, InvalidEventPatternError } from "./pattern";

const REQUIRED_EVENT_FIELDS = ["id", "account", "source", "time", "region", "detail-type"];

function describeRule(rule: RuleDef) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.patternText,
    State: rule.state,
    EventBusName: rule.busName,
    ...(rule.description ? { Description: rule.description } : {}),
  };
}

function page<T>(items: T[], input: Record<string, unknown>) {
  const start = Number(input.NextToken ?? 0);
  const limit = Math.min(Number(input.Limit ?? 100), 100);
  const slice = items.slice(start, start + limit);
  return { slice, next: start + limit < items.length ? String(start + limit) : undefined };
}

/** EventBridge's JSON 1.1 API (`AWSEvents.*`) over the local buses. */
export function eventBridgeService(bridge: EventBridge): JsonProtocolService {
  const busOf = (input: Record<string, unknown>) => {
    const name = typeof input.EventBusName === "string" && input.EventBusName ? input.EventBusName : "default";
    const bus = bridge.bus(name);
    if (!bus) throw new AwsError("ResourceNotFoundException", `Event bus ${name} does not exist.`);
    return bus;
  };
  const ruleOf = (input: Record<string, unknown>) => {
    const bus = busOf(input);
    const name = String(input.Name ?? input.Rule ?? "");
    const rule = bridge.rulesOf(bus.name).find((candidate) => candidate.name === name);
    if (!rule) throw new AwsError("ResourceNotFoundException", `Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  };

  return {
    targetPrefix: "AWSEvents",
    jsonVersion: "1.1",
    operations: {
      PutEvents: (input) => bridge.putEvents(input.Entries),

      TestEventPattern: (input) => {
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(String(input.Event)) as Record<string, unknown>;
        } catch {
          throw new AwsError("ValidationException", "Parameter Event is not valid.");
        }
        const missing = REQUIRED_EVENT_FIELDS.filter((field) => !(field in event));
        if (missing.length > 0) {
          throw new AwsError("ValidationException", `Parameter Event is not valid: missing ${missing.join(", ")}.`);
        }
        try {
          return { Result: compileEventPattern(String(input.EventPattern)).matches(event) };
        } catch (error) {
          if (error instanceof InvalidEventPatternError)
            throw new AwsError("InvalidEventPatternException", error.message);
          throw error;
        }
      },

      ListRules: (input) => {
        const bus = busOf(input);
        const prefix = typeof input.NamePrefix === "string" ? input.NamePrefix : "";
        const rules = bridge.rulesOf(bus.name).filter((rule) => rule.name.startsWith(prefix));
        const { slice, next } = page(rules, input);
        return { Rules: slice.map(describeRule), ...(next ? { NextToken: next } : {}) };
      },

      DescribeRule: (input) => {
        const rule = ruleOf(input);
        return { ...describeRule(rule), CreatedBy: rule.service };
      },

      ListTargetsByRule: (input) => {
        const rule = ruleOf(input);
        const { slice, next } = page(rule.targets, input);
        return {
          Targets: slice.map((target) => ({
            Id: target.id,
            Arn: target.arn,
            ...(target.input !== undefined ? { Input: target.input } : {}),
            ...(target.inputPath !== undefined ? { InputPath: target.inputPath } : {}),
            ...(target.inputTransformer
              ? {
                  InputTransformer: {
                    InputPathsMap: target.inputTransformer.inputPathsMap,
                    InputTemplate: target.inputTransformer.inputTemplate,
                  },
                }
              : {}),
            RetryPolicy: {
              MaximumRetryAttempts: target.retryPolicy.maximumRetryAttempts,
              MaximumEventAgeInSeconds: target.retryPolicy.maximumEventAgeSeconds,
            },
            ...(target.deadLetterArn ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}),
          })),
          ...(next ? { NextToken: next } : {}),
        };
      },

      ListRuleNamesByTarget: (input) => {
        const arn = String(input.TargetArn ?? "");
        const names = bridge.rules
          .filter((rule) => rule.targets.some((target) => target.arn === arn))
          .map((rule) => rule.name);
        return { RuleNames: names };
      },

      ListEventBuses: (input) => {
        const prefix = typeof input.NamePrefix === "string" ? input.NamePrefix : "";
        return {
          EventBuses: bridge
            .listBuses()
            .filter((bus) => bus.name.startsWith(prefix))
            .map((bus) => ({ Name: bus.name, Arn: bus.arn })),
        };
      },

      DescribeEventBus: (input) => {
        const bus = bridge.bus(String(input.Name ?? "default"));
        if (!bus) throw new AwsError("ResourceNotFoundException", `Event bus ${String(input.Name)} does not exist.`);
        return { Name: bus.name, Arn: bus.arn };
      },
    },
  };
}
