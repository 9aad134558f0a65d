/** The server every ratio is taken against unless told otherwise. */
export const REFERENCE = 'uWebSockets.js';

/**
 * Measures every server once per round, in turn (the order rotates from round to round), and
 * keeps each server's best round. The ratio to the reference (default raw uWS, when it is
 * among the servers) is the median over rounds of the ratio within a round: a slow minute on
 * the shared machine then tends to move both sides of a ratio, instead of one server's best
 * round being compared with another's luckier one.
 *
 * @param rounds how many times each server is measured (at least 1)
 * @returns per server: its best round's result, `ratio` (NaN without the reference), the rate
 *   of each round, in round order, and its server CPU per request (`cpuUsPerRequest`, NaN
 *   where a round did not measure it)
 * @example
 * ```ts
 * const best = await bestOf(servers, 5, async (server) => ({ rate: (await wrk(url(server), 3)).rps }));
 * ```
 */
export async function bestOf<S extends { name: string }, T extends { rate: number; cpuUsPerRequest?: number }>(
  servers: S[],
  rounds: number,
  measure: (server: S) => Promise<T>,
  reference = REFERENCE,
): Promise<Map<S, T & { ratio: number; rounds: number[]; cpuRounds: number[] }>> {
  const best = new Map<S, T>();
  const rates = new Map<S, number[]>(servers.map((server) => [server, []]));
  const cpu = new Map<S, number[]>(servers.map((server) => [server, []]));
  for (let round = 0; round < Math.max(1, rounds); round++) {
    for (let i = 0; i < servers.length; i++) {
      const server = servers[(i + round) % servers.length];
      const result = await measure(server);
      rates.get(server)!.push(result.rate);
      cpu.get(server)!.push(result.cpuUsPerRequest ?? NaN);
      if (!best.has(server) || result.rate > best.get(server)!.rate) best.set(server, result);
    }
  }
  const referenceServer = servers.find((server) => server.name === reference);
  const referenceRates = referenceServer ? rates.get(referenceServer)! : null;
  const withRatios = new Map<S, T & { ratio: number; rounds: number[]; cpuRounds: number[] }>();
  for (const [server, result] of best) {
    const ratio = referenceRates ? roundRatio(rates.get(server)!, referenceRates) : NaN;
    withRatios.set(server, { ...result, ratio, rounds: rates.get(server)!, cpuRounds: cpu.get(server)! });
  }
  return withRatios;
}

/** The median over rounds of `rates[round] / reference[round]` (NaN when no round has both). */
export function roundRatio(rates: number[], reference: number[]): number {
  const ratios = rates.map((rate, round) => rate / reference[round]).filter(Number.isFinite);
  return ratios.length ? median(ratios) : NaN;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
