/** One measured figure of a benchmark table: a server in a scenario. */
export interface Row {
  scenario: string;
  server: string;
  /** Throughput of the best round, in `unit`. */
  rate: number;
  /** `req/s`, `msg/s`, `deliveries/s`, `bytes/conn`. */
  unit: string;
  /** 99th-percentile latency of the best round, in ms (NaN when not measured). */
  p99ms: number;
  /** Peak resident memory of the server process during the best round, in MB. */
  peakRssMb: number;
  /** Non-2xx responses and socket errors of the best round. */
  errors?: number;
  /** Server CPU time (user + system) per request of the best round, in µs: its cost whether or not it was the bottleneck. */
  cpuUsPerRequest?: number;
  /** A note shown under the row. */
  extra?: string;
  /** Median of per-round ratios to raw uWS (see bestOf); otherwise rate / raw uWS's best. */
  ratio?: number;
  /** The rate of each round, in round order (rounds interleave the servers). */
  rounds?: number[];
  /** Server CPU per request of each round, in µs, in round order (NaN where not measured). */
  cpuRounds?: number[];
}
