/** Gateway settings; every cap and timeout is configurable. */
export interface GatewayOptions {
  /** Host door listen address: loopback only. */
  host: '127.0.0.1' | '::1';
  /** Host door port (0 = any free port). */
  port: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
  /** Non-streaming responses up to this size are checked whole by the response guardrails. */
  maxScanBytes: number;
  /** Slowloris guard: the whole header block must arrive within this time. */
  headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this time. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
  /** An upstream (or tunnel) that sends nothing for this long is cut. */
  idleTimeoutMs: number;
  /** Ports CONNECT may reach on hosts no service names (registered services' ports are always allowed). */
  connectPorts: number[];
  /** Extra CA certificates (PEM) trusted for upstream TLS. */
  extraCaCerts: string[];
  /** Cap on one reassembled WebSocket message (either direction); bigger closes the connection (1002). */
  maxWsMessageBytes: number;
  /** How often gateway.stats is published on the live bus. */
  statsIntervalMs: number;
}

export const defaultGatewayOptions: GatewayOptions = {
  host: '127.0.0.1',
  port: 0,
  maxHeaderBytes: 32 * 1024,
  maxBodyBytes: 32 * 1024 * 1024,
  maxScanBytes: 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  connectPorts: [443],
  extraCaCerts: [],
  maxWsMessageBytes: 16 * 1024 * 1024,
  statsIntervalMs: 1000,
};
