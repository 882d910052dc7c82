import { GetExecutionHistoryCommand, type SFNClient } from "@aws-sdk/client-sfn";
import type { HistoryEvent } from "../domain/audit";
import type { ExecutionHistory } from "../domain/ports";

export function executionHistory(client: SFNClient): ExecutionHistory {
  return {
    async events(executionArn) {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
        events.push(...((page.events ?? []) as HistoryEvent[]));
        nextToken = page.nextToken;
      } while (nextToken);
      return events;
    },
  };
}
