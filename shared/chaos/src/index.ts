export * from "./client";
export * from "./invariants";
export * from "./model";
export * from "./plan";
export * from "./redrive";
export * from "./report";
export * from "./run";
export * from "./snapshot";
