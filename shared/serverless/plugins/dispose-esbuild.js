/**
 * With serverless-localstack active (stage `local`), `serverless package` finishes and then never
 * exits: serverless-esbuild's incremental esbuild contexts stay alive and keep the esbuild service
 * process (and the event loop) running. Dispose them once packaging is over, whatever the stage.
 */
class DisposeEsbuildContexts {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      "after:package:finalize": () => this.dispose(),
      "after:deploy:deploy": () => this.dispose(),
    };
  }

  async dispose() {
    const plugins = this.serverless.pluginManager.getPlugins();
    for (const plugin of plugins) {
      if (typeof plugin.disposeContexts === "function" && plugin.buildCache) {
        await plugin.disposeContexts();
        for (const entry of Object.values(plugin.buildCache)) delete entry.context;
      }
    }
    try {
      require("esbuild").stop();
    } catch {
      // esbuild was never loaded: nothing to stop
    }
  }
}

module.exports = DisposeEsbuildContexts;
