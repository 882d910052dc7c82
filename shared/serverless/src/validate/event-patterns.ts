/**
 * EventBridge rules: each pattern must be one EventBridge accepts (AWS rejects an invalid pattern
 * when the stack deploys), checked with the local runtime's validator, which gives AWS's reasons.
 */
import { compileEventPattern, InvalidEventPatternError } from "@keel/local";
import { resolveIntrinsics } from "./evaluate";
import { isObject } from "./intrinsics";
import type { Reporter } from "./report";
import { resourcesOf, type Template } from "./template";

export interface RulePattern {
  logicalId: string;
  /** The pattern as JSON, intrinsics inside it replaced by what they evaluate to. */
  pattern?: unknown;
  error?: string;
}

export function rulePatterns(template: Template): RulePattern[] {
  const found: RulePattern[] = [];
  for (const [logicalId, resource] of resourcesOf(template)) {
    if (resource.Type !== "AWS::Events::Rule" || !isObject(resource.Properties)) continue;
    const value = resource.Properties.EventPattern;
    if (value === undefined) continue;
    if (typeof value === "string") {
      try {
        found.push({ logicalId, pattern: JSON.parse(value) });
      } catch (error) {
        found.push({ logicalId, error: `not valid JSON: ${(error as Error).message}` });
      }
    } else found.push({ logicalId, pattern: resolveIntrinsics(value, template) });
  }
  return found;
}

export function checkEventPatterns(template: Template, report: Reporter): void {
  for (const [logicalId, resource] of resourcesOf(template)) {
    if (resource.Type !== "AWS::Events::Rule" || !isObject(resource.Properties)) continue;
    if (resource.Properties.EventPattern === undefined && resource.Properties.ScheduleExpression === undefined)
      report.add("event-pattern", logicalId, "Properties", "a rule needs an EventPattern or a ScheduleExpression");
  }
  for (const { logicalId, pattern, error } of rulePatterns(template)) {
    if (error !== undefined) {
      report.add("event-pattern", logicalId, "Properties.EventPattern", error, "an EventBridge event pattern");
      continue;
    }
    try {
      compileEventPattern(pattern);
    } catch (failure) {
      if (!(failure instanceof InvalidEventPatternError)) throw failure;
      report.add(
        "event-pattern",
        logicalId,
        "Properties.EventPattern",
        failure.message,
        "an EventBridge event pattern",
      );
    }
  }
}
