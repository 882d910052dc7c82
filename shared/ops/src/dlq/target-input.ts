import { JSONPath } from "jsonpath-plus";

/** A rule target's input settings, as ListTargetsByRule returns them. */
export interface TargetInputSettings {
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate?: string };
}

const query = (path: string, json: unknown): unknown => JSONPath({ path, json: json as object, wrap: false });
const isJsonTemplate = (template: string) => /^\s*[[{]/.test(template);

/**
 * The text EventBridge hands a target for an event: the whole event, a constant `Input`, the value
 * at `InputPath`, or an `InputTransformer` template filled from the event — so a redrive delivers
 * exactly what the rule would have.
 */
export function targetInput(
  settings: TargetInputSettings,
  rule: { arn: string; name: string },
  event: { time?: string },
): string {
  if (settings.Input !== undefined) return settings.Input;
  if (settings.InputPath !== undefined) return JSON.stringify(query(settings.InputPath, event) ?? null);
  const transformer = settings.InputTransformer;
  if (!transformer?.InputTemplate) return JSON.stringify(event);
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) values.set(name, query(path, event));
  values.set("aws.events.rule-arn", rule.arn);
  values.set("aws.events.rule-name", rule.name);
  values.set("aws.events.event.ingestion-time", event.time ?? new Date().toISOString());
  values.set("aws.events.event", event);
  values.set("aws.events.event.json", event);
  const template = transformer.InputTemplate;
  const json = isJsonTemplate(template);
  return template.replace(/(")?<([A-Za-z0-9_.-]+)>(")?/g, (whole, open?: string, name?: string, close?: string) => {
    if (!name || !values.has(name)) return whole;
    const value = values.get(name);
    if (open && close) return JSON.stringify(typeof value === "string" ? value : JSON.stringify(value ?? null));
    const text = typeof value === "string" && !json ? value : JSON.stringify(value ?? null);
    return `${open ?? ""}${text}${close ?? ""}`;
  });
}
