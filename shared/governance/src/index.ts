export * as cli from "./cli";
export * from "./codeowners";
export * from "./compatibility";
export * from "./hygiene";
export * from "./json";
export * from "./least-privilege";
export * from "./naming";
export * from "./ownership";
