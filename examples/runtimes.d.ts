// The slice of Bun's and Deno's globals the examples use, for this repository's type check (tsc with
// @types/node only). In your project, Bun's types (@types/bun) and Deno's own provide them.
type FetchHandler = (request: Request) => Response | Promise<Response>

declare const Bun: {
  serve(options: { hostname?: string; port?: number; routes?: Record<string, FetchHandler>; fetch: FetchHandler }): {
    url: URL
    stop(): Promise<void>
  }
}

declare const Deno: {
  serve(
    options: { hostname?: string; port?: number; onListen?(address: { hostname: string; port: number }): void },
    handler: FetchHandler,
  ): { shutdown(): Promise<void> }
  env: { get(name: string): string | undefined }
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', listener: () => void): void
}
