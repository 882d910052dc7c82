export * from "./generate";
export * from "./markdown";
export * from "./model";
export * from "./schema-registry";
export * from "./templates";
export * from "./write";
