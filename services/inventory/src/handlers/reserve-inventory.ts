import { type CommandHandlerOptions, commandHandler } from "@keel/runtime";
import { type InventoryDependencies, inventoryDependencies } from "../adapters/dependencies";
import { reserveInventory } from "../domain/reserve-inventory";

type Options = Pick<CommandHandlerOptions<"ReserveInventory">, "persistenceStore" | "publisher">;

export const makeHandler = (dependencies: () => InventoryDependencies = inventoryDependencies, options: Options = {}) =>
  commandHandler({
    commands: ["ReserveInventory"],
    handle: ({ meta, data }, context) =>
      reserveInventory(
        {
          ...data,
          tenantId: meta.tenantId,
          commandId: meta.commandId,
          deadline: new Date(Date.now() + context.getRemainingTimeInMillis()),
        },
        dependencies(),
      ),
    ...options,
  });

export const handler = makeHandler();
