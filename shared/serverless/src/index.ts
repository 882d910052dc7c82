export * from "./package";
export * from "./services";
