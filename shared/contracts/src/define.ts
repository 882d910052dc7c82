import type * as z from "zod/mini";
import { type ClassifiedPath, classifiedPaths } from "./classification";
import type { DomainName } from "./domains";

export type MessageKind = "command" | "event";
/** The flows a message takes part in: the orchestrated CreateOrder workflow, the choreographed saga. */
export type Flow = "orchestration" | "choreography";

export interface VersionDefinition<S extends z.ZodMiniType = z.ZodMiniType> {
  /** `MAJOR.MINOR`. Minor versions only add optional fields; a new major may change the shape. */
  version: string;
  schema: S;
  /**
   * On the first version of a major: how to turn data of the previous major into this one, so
   * messages still in flight (or archived) in the old shape can be read.
   */
  upcast?: (previous: unknown) => unknown;
  /** Set on a version that is still accepted but will stop being accepted after a date. */
  deprecated?: { acceptedUntil: string; note: string };
}

export interface MessageDefinition<
  K extends MessageKind = MessageKind,
  N extends string = string,
  S extends z.ZodMiniType = z.ZodMiniType,
> {
  kind: K;
  name: N;
  /** The domain that owns the contract: the handler of a command, the publisher of an event. */
  owner: DomainName;
  /** The EventBridge `source` the message is published with: `<org>.<domain>.<component>`. */
  source: string;
  description: string;
  flows: readonly Flow[];
  /** Commands only: the `<domain>.<component>` that handles it (the envelope's `routing.target`). */
  handler?: string;
  /** Every version ever published, oldest first; the last one is current. */
  versions: readonly VersionDefinition[];
  /** The current version's schema. */
  schema: S;
  /** The current version. */
  version: string;
  /** Fields of the current version's data that are personal data or secrets. */
  classified: readonly ClassifiedPath[];
}

type Last<V extends readonly unknown[]> = V extends readonly [...unknown[], infer L] ? L : never;
type SchemaOfLast<V extends readonly VersionDefinition[]> = Last<V> extends VersionDefinition<infer S> ? S : never;

interface DefinitionInput<N extends string, V extends readonly VersionDefinition[]> {
  name: N;
  owner: DomainName;
  source: string;
  description: string;
  flows: readonly Flow[];
  handler?: string;
  versions: V;
}

function define<K extends MessageKind, const N extends string, const V extends readonly VersionDefinition[]>(
  kind: K,
  input: DefinitionInput<N, V>,
): MessageDefinition<K, N, SchemaOfLast<V>> {
  const current = input.versions.at(-1);
  if (!current) throw new Error(`${input.name} declares no version`);
  return {
    kind,
    ...input,
    schema: current.schema as SchemaOfLast<V>,
    version: current.version,
    classified: classifiedPaths(current.schema),
  };
}

export const defineCommand = <const N extends string, const V extends readonly VersionDefinition[]>(
  input: DefinitionInput<N, V>,
) => define("command", input);

export const defineEvent = <const N extends string, const V extends readonly VersionDefinition[]>(
  input: DefinitionInput<N, V>,
) => define("event", input);

export const majorOf = (version: string): number => Number(version.split(".")[0]);
