import { JSONPath } from "jsonpath-plus";
import type { RuleDef, TargetDef } from "../config/model";

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

const query = (path: string, json: unknown): unknown => JSONPath({ path, json: json as object, wrap: false });

const isJsonTemplate = (template: string) => /^\s*[[{]/.test(template);

/**
 * The text a target receives: the whole event, a constant `Input`, the value at `InputPath`, or
 * an `InputTransformer` template filled from the event, following EventBridge's rules for
 * placeholders inside and outside JSON strings.
 */
export function targetInput(target: TargetDef, rule: RuleDef, event: BusEvent, ingestedAt: Date): string {
  if (target.input !== undefined) return target.input;
  if (target.inputPath !== undefined) return JSON.stringify(query(target.inputPath, event) ?? null);
  if (!target.inputTransformer) return JSON.stringify(event);
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(target.inputTransformer.inputPathsMap))
    values.set(name, query(path, event));
  values.set("aws.events.rule-arn", rule.arn);
  values.set("aws.events.rule-name", rule.name);
  values.set("aws.events.event.ingestion-time", ingestedAt.toISOString());
  values.set("aws.events.event", event);
  values.set("aws.events.event.json", event);
  const template = target.inputTransformer.inputTemplate;
  const json = isJsonTemplate(template);
  return template.replace(/(")?<([A-Za-z0-9_.-]+)>(")?/g, (whole, open?: string, name?: string, close?: string) => {
    if (!name || !values.has(name)) return whole;
    const value = values.get(name);
    if (open && close) {
      // Inside a JSON string: a string is inserted as it is, anything else as its escaped JSON text.
      return JSON.stringify(typeof value === "string" ? value : JSON.stringify(value ?? null));
    }
    const text = typeof value === "string" && !json ? value : JSON.stringify(value ?? null);
    return `${open ?? ""}${text}${close ?? ""}`;
  });
}
