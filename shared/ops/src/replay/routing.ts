import {
  type EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type Rule,
  TestEventPatternCommand,
} from "@aws-sdk/client-eventbridge";
import { type BusEvent, type TargetKind, targetKind, targetName } from "../dlq/dead-letter";

export interface RouteTarget {
  id: string;
  arn: string;
  name: string;
  kind: TargetKind;
}

export interface Route {
  rule: string;
  ruleArn: string;
  targets: RouteTarget[];
}

interface LoadedRule {
  rule: Rule;
  targets: RouteTarget[];
  /** For a pattern on `source` and `detail-type` lists of plain strings only: those lists. */
  simple?: Map<string, Set<string>>;
}

/** A pattern that only lists exact values of top-level fields, which needs no pattern engine. */
function simplePattern(text: string | undefined): Map<string, Set<string>> | undefined {
  if (!text) return undefined;
  let pattern: unknown;
  try {
    pattern = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof pattern !== "object" || pattern === null || Array.isArray(pattern)) return undefined;
  const fields = new Map<string, Set<string>>();
  for (const [field, values] of Object.entries(pattern)) {
    if (!["source", "detail-type", "account", "region"].includes(field)) return undefined;
    if (!Array.isArray(values) || !values.every((value) => typeof value === "string")) return undefined;
    fields.set(field, new Set(values as string[]));
  }
  return fields;
}

/**
 * Which rules of a bus, and which of their targets, an event would reach — what a replay of it
 * would reach. Rules and targets are read once (ListRules, ListTargetsByRule); a pattern that only
 * lists sources and detail-types is matched here, any other is asked of EventBridge
 * (TestEventPattern), so the answer follows AWS's pattern semantics.
 */
export class BusRouting {
  private rules: LoadedRule[] | undefined;

  constructor(
    private readonly eventBridge: EventBridgeClient,
    readonly bus: string,
  ) {}

  private async load(): Promise<LoadedRule[]> {
    if (this.rules) return this.rules;
    const rules: Rule[] = [];
    let next: string | undefined;
    do {
      const page = await this.eventBridge.send(new ListRulesCommand({ EventBusName: this.bus, NextToken: next }));
      rules.push(...(page.Rules ?? []));
      next = page.NextToken;
    } while (next);
    const loaded: LoadedRule[] = [];
    for (const rule of rules) {
      if (rule.State !== "ENABLED" || !rule.EventPattern) continue;
      const targets: RouteTarget[] = [];
      let token: string | undefined;
      do {
        const page = await this.eventBridge.send(
          new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName: this.bus, NextToken: token }),
        );
        for (const target of page.Targets ?? []) {
          const arn = target.Arn ?? "";
          targets.push({ id: target.Id ?? "", arn, name: targetName(arn), kind: targetKind(arn) });
        }
        token = page.NextToken;
      } while (token);
      const simple = simplePattern(rule.EventPattern);
      loaded.push({ rule, targets, ...(simple ? { simple } : {}) });
    }
    this.rules = loaded;
    return loaded;
  }

  private async matches(loaded: LoadedRule, event: BusEvent): Promise<boolean> {
    if (loaded.simple) {
      for (const [field, values] of loaded.simple) {
        const value = (event as unknown as Record<string, unknown>)[field];
        if (typeof value !== "string" || !values.has(value)) return false;
      }
      return true;
    }
    const result = await this.eventBridge.send(
      new TestEventPatternCommand({
        EventPattern: loaded.rule.EventPattern,
        Event: JSON.stringify({
          version: "0",
          account: event.account ?? "000000000000",
          region: event.region ?? "us-east-1",
          resources: event.resources ?? [],
          ...event,
        }),
      }),
    );
    return result.Result === true;
  }

  /** The rules the event matches on this bus, each with its targets. */
  async routes(event: BusEvent): Promise<Route[]> {
    const routes: Route[] = [];
    for (const loaded of await this.load()) {
      if (await this.matches(loaded, event))
        routes.push({ rule: loaded.rule.Name ?? "", ruleArn: loaded.rule.Arn ?? "", targets: loaded.targets });
    }
    return routes;
  }
}
