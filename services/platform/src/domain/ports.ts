import type { AuditRecord, HistoryEvent } from "./audit";

export interface AuditStore {
  /** Writes the records; writing the same record twice leaves one (its key is deterministic). */
  write(records: readonly AuditRecord[]): Promise<void>;
}

export interface ExecutionHistory {
  events(executionArn: string): Promise<HistoryEvent[]>;
}
