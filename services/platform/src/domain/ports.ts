import type { ArchivedMessage } from "./archive";
import type { AuditRecord, HistoryEvent } from "./audit";

export interface AuditStore {
  /** Writes the records; writing the same record twice leaves one (its key is deterministic). */
  write(records: readonly AuditRecord[]): Promise<void>;
}

export interface ExecutionHistory {
  events(executionArn: string): Promise<HistoryEvent[]>;
}

export interface MessageArchive {
  /** Keeps the message; putting the same message twice leaves one item (its key is deterministic). */
  put(message: ArchivedMessage): Promise<void>;
}
