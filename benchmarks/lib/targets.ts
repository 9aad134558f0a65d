import { roundRatio } from './rounds';
import type { Row } from './row';

/**
 * The other frameworks on uWebSockets.js that Typhoon is measured against, on the same uWS build
 * (package.json's `overrides` points their uWebSockets.js at the one Typhoon depends on).
 */
export const UWS_PEERS = ['hyper-express', 'ultimate-express'];

/** A target's reference standing for the better of {@link UWS_PEERS} in each round. */
export const BEST_UWS_PEER = 'best uWS peer';

/**
 * `server`'s ratio to `reference` in `scenario` should be at least `min`. Against
 * {@link BEST_UWS_PEER} it should hold by throughput and by CPU per request; against any other
 * reference by throughput, with the CPU-cost ratio shown beside it.
 */
export type Target = [scenario: string, server: string, reference: string, min: number];

/** How one server compares with a reference in one scenario, as medians of per-round ratios. */
export interface Comparison {
  /** Throughput: the server's rate over the reference's. */
  ratio: number;
  /** CPU cost: the reference's CPU per request over the server's (above 1: the server costs less). */
  cpuRatio: number;
}

/** The best finite value of each round across `series` (NaN for a round none of them has). */
function bestPerRound(series: number[][], better: (a: number, b: number) => number): number[] {
  const length = Math.max(0, ...series.map((values) => values.length));
  return Array.from({ length }, (_, round) => {
    const values = series.map((values) => values[round]).filter(Number.isFinite);
    return values.length ? values.reduce((a, b) => better(a, b)) : NaN;
  });
}

/**
 * The reference's rate and CPU per request in each round: a server's own rounds, or for
 * {@link BEST_UWS_PEER} the highest rate and the lowest CPU per request among the peers in that
 * round (each may come from a different peer). Null when nothing was measured.
 */
export function referenceRounds(rows: Row[], scenario: string, reference: string): { rounds: number[]; cpuRounds: number[] } | null {
  const measured = rows.filter((row) => row.scenario === scenario && row.rounds && (reference === BEST_UWS_PEER ? UWS_PEERS.includes(row.server) : row.server === reference));
  if (!measured.length) return null;
  return {
    rounds: bestPerRound(measured.map((row) => row.rounds!), Math.max),
    cpuRounds: bestPerRound(measured.map((row) => row.cpuRounds ?? []), Math.min),
  };
}

/**
 * `server` against `reference` in `scenario`, each ratio the median over rounds of the ratio
 * within a round (servers interleave round by round). Null when either side was not measured.
 *
 * @example
 * ```ts
 * const peers = compare(rows, 'plaintext', 'Typhoon', BEST_UWS_PEER); // { ratio: 0.97, cpuRatio: 0.95 }
 * ```
 */
export function compare(rows: Row[], scenario: string, server: string, reference: string): Comparison | null {
  const ours = rows.find((row) => row.scenario === scenario && row.server === server);
  const theirs = referenceRounds(rows, scenario, reference);
  if (!ours?.rounds || !theirs) return null;
  return { ratio: roundRatio(ours.rounds, theirs.rounds), cpuRatio: roundRatio(theirs.cpuRounds, ours.cpuRounds ?? []) };
}

const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
const verdict = (value: number, min: number) => (Number.isFinite(value) ? (value >= min ? ' (met)' : ' (not met)') : '');

/**
 * The targets as markdown table rows (under {@link targetsHeader}): throughput ratio and
 * whether it holds, the CPU-cost ratio (with a verdict where the target covers CPU too), and
 * the server against the best uWS peer in the same scenario (throughput · CPU cost).
 *
 * @param label how a scenario is written in the first column
 */
export function targetLines(rows: Row[], targets: Target[], label: (scenario: string) => string = (scenario) => scenario): string[] {
  const lines: string[] = [];
  for (const [scenario, server, reference, min] of targets) {
    const measured = compare(rows, scenario, server, reference);
    if (!measured) continue;
    const cpu = `${times(measured.cpuRatio)}${reference === BEST_UWS_PEER ? verdict(measured.cpuRatio, min) : ''}`;
    const peers = compare(rows, scenario, server, BEST_UWS_PEER);
    const againstPeers = peers && reference !== BEST_UWS_PEER ? `${times(peers.ratio)} · ${times(peers.cpuRatio)}` : '–';
    lines.push(`| ${label(scenario)} | ${server} | ${reference} | ${times(measured.ratio)} | ≥ ${min.toFixed(2)}×${verdict(measured.ratio, min)} | ${cpu} | ${againstPeers} |`);
  }
  return lines;
}

/** The header of {@link targetLines}' table, its first column named `first`. */
export function targetsHeader(first: string): string[] {
  return [`| ${first} | server | vs | ratio | target | CPU-cost ratio | Typhoon / best uWS peer (throughput · CPU cost) |`, '| --- | --- | --- | ---: | ---: | ---: | ---: |'];
}
