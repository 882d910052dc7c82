import type { ContractIssue } from "@keel/contracts";

/** A message that does not satisfy its contract: retrying cannot help, it belongs in the DLQ. */
export class MalformedMessageError extends Error {
  override readonly name = "MalformedMessageError";
  constructor(
    message: string,
    readonly issues: readonly ContractIssue[] = [],
  ) {
    super(message);
  }
}

/** Some entries could not be published after every retry: nothing was silently dropped. */
export class PublishError extends Error {
  override readonly name = "PublishError";
  constructor(readonly failed: ReadonlyArray<{ detailType: string; errorCode: string; errorMessage: string }>) {
    super(
      `${failed.length} message(s) could not be published: ${failed
        .map((entry) => `${entry.detailType} (${entry.errorCode}: ${entry.errorMessage})`)
        .join("; ")}`,
    );
  }
}
