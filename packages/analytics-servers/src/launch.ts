/** @module How to start one server process, and the port that answers once it is ready. */
export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  host: string;
  /** Accepts connections once the server is ready for clients. */
  port: number;
}
