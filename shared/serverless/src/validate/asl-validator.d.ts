/** asl-validator 4 ships no type declarations. */
declare module "asl-validator" {
  interface AslValidationError {
    "Error code": string;
    Message: string;
    schemaError?: { instancePath: string; schemaPath: string };
  }
  interface AslValidationResult {
    isValid: boolean;
    errors: AslValidationError[];
    errorsText(separator?: string): string;
  }
  function aslValidator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): AslValidationResult;
  export = aslValidator;
}
