export * from "./cache";
export * from "./package";
export * from "./services";
