export * from "./baseline";
export * from "./check";
export * from "./contracts";
export * from "./examples";
export * from "./release";
export * from "./rules";
export * from "./schema-diff";
