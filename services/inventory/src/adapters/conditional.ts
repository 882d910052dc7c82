import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** Whether a write was refused because its condition did not hold. */
export const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as Error)?.name === "ConditionalCheckFailedException";

/** Runs a conditional write: true when it was applied, false when its condition did not hold. */
export async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
