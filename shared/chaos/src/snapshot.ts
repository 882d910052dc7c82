import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { LocalRuntime } from "@keel/local";
import type {
  AcceptedOrder,
  ArchivedMessage,
  DeadLetterFigures,
  LedgerRow,
  OrderRow,
  PaymentRow,
  ReservationRow,
  Snapshot,
  StockRow,
} from "./model";

/** The tables the invariants read, by service and logical id in its serverless.yml. */
export const TABLES = {
  orders: ["orders", "OrdersTable"],
  stock: ["inventory", "StockTable"],
  reservations: ["inventory", "ReservationsTable"],
  payments: ["payments", "PaymentsTable"],
  ledger: ["payments", "ProviderLedgerTable"],
} as const;

export type TableName = keyof typeof TABLES;

/** Reads the runtime's tables (DynamoDB Scan against its endpoint) and its bus archive. */
export class SystemReader {
  readonly db: DynamoDBDocumentClient;

  constructor(private readonly runtime: LocalRuntime) {
    this.db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.endpoints.dynamodb,
        region: runtime.model.region,
        credentials: { accessKeyId: "chaos", secretAccessKey: "chaos" },
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
  }

  tableName(table: TableName): string {
    const [service, logicalId] = TABLES[table];
    const found = this.runtime.model.tables.find(
      (candidate) => candidate.service === service && candidate.logicalId === logicalId,
    );
    if (!found) throw new Error(`no table ${logicalId} in ${service}`);
    return found.name;
  }

  async scan<T>(table: TableName): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tableName(table), ExclusiveStartKey: start, ConsistentRead: true }),
      );
      items.push(...((page.Items ?? []) as T[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Every envelope on the command and event buses, oldest first. */
  messages(): ArchivedMessage[] {
    const stage = this.runtime.model.stage;
    const buses: Record<string, ArchivedMessage["bus"]> = {
      [`keel-${stage}-commands`]: "commands",
      [`keel-${stage}-events`]: "events",
    };
    const messages: ArchivedMessage[] = [];
    for (const archived of this.runtime.eventBridge.archived()) {
      const detail = archived.event.detail as { meta?: Record<string, unknown>; data?: Record<string, unknown> };
      const meta = detail?.meta;
      const id = meta?.commandId ?? meta?.eventId;
      if (!meta || typeof id !== "string") continue;
      messages.push({
        bus: buses[archived.bus] ?? "other",
        name: archived.event["detail-type"],
        id,
        ...(typeof meta.tenantId === "string" ? { tenantId: meta.tenantId } : {}),
        data: detail.data ?? {},
      });
    }
    return messages;
  }

  async snapshot(
    accepted: AcceptedOrder[],
    stockBefore: StockRow[],
    deadLetters: DeadLetterFigures,
  ): Promise<Snapshot> {
    const [orders, stockAfter, reservations, payments, ledger] = await Promise.all([
      this.scan<{ view: OrderRow }>("orders"),
      this.scan<StockRow>("stock"),
      this.scan<ReservationRow>("reservations"),
      this.scan<PaymentRow>("payments"),
      this.scan<LedgerRow>("ledger"),
    ]);
    return {
      accepted,
      orders: orders.map(({ view }) => ({
        tenantId: view.tenantId,
        orderId: view.orderId,
        status: view.status,
        ...(view.flow ? { flow: view.flow } : {}),
        ...(view.reason ? { reason: view.reason } : {}),
      })),
      messages: this.messages(),
      stockBefore,
      stockAfter,
      reservations,
      payments,
      ledger,
      deadLetters,
    };
  }

  close() {
    this.db.destroy();
  }
}
