import { type CommandHandlerOptions, commandHandler } from "@keel/runtime";
import { type InventoryDependencies, inventoryDependencies } from "../adapters/dependencies";
import { releaseInventory } from "../domain/release-inventory";

type Options = Pick<CommandHandlerOptions<"ReleaseInventory">, "persistenceStore" | "publisher">;

export const makeHandler = (dependencies: () => InventoryDependencies = inventoryDependencies, options: Options = {}) =>
  commandHandler({
    commands: ["ReleaseInventory"],
    handle: ({ meta, data }) =>
      releaseInventory({ tenantId: meta.tenantId, orderId: data.orderId, commandId: meta.commandId }, dependencies()),
    ...options,
  });

export const handler = makeHandler();
