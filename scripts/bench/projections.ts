/**
 * What the measured gas and bytes per post mean on real networks (pure functions of a scenario and
 * the cited figures in sources.ts): posts/s Ethereum L1 could carry if PennyPost had every block,
 * the same for a large L2 at its published gas throughput, the ceiling from blob data availability,
 * and the cost per post.
 */
import type { Scenario } from "./schema.ts";
import { SOURCES } from "./sources.ts";

export interface ProjectionParameters {
  gasPriceGwei: number;
  ethUsd: number;
  l2GasPerSecond: number;
}

export interface Projection {
  mode: Scenario["mode"];
  batchSize: number;
  /** Gas per post (per tip for vouchers), as measured. */
  gasPerItem: number;
  /** Bytes per item that must be made available somewhere (calldata, or the anchored batch data). */
  dataBytesPerItem: number;
  l1ItemsPerSecond: number;
  l2ItemsPerSecond: number;
  blobTargetItemsPerSecond: number;
  blobMaxItemsPerSecond: number;
  /** Items one transaction can carry under the 2^24 gas cap at this gas per item. */
  maxItemsPerTransaction: number;
  costEth: number;
  costUsd: number;
  l1VsTwitterAverage: number;
  l1VsTwitterPeak: number;
}

export const L1_GAS_PER_SECOND = SOURCES.l1GasLimit.value / SOURCES.l1BlockSeconds.value;

export function blobBytesPerSecond(blobs: number): number {
  return (blobs * SOURCES.blobBytes.value) / SOURCES.l1BlockSeconds.value;
}

export function project(scenario: Scenario, parameters: ProjectionParameters): Projection | undefined {
  const gas = scenario.mode === "vouchers" ? scenario.gasPerTip : scenario.gasPerPost;
  if (scenario.status !== "ok" || gas === null || gas <= 0) return undefined;
  const bytes = scenario.offchainDataBytesPerPost ?? scenario.bytesPerPost ?? 0;
  const l1 = L1_GAS_PER_SECOND / gas;
  const costEth = (gas * parameters.gasPriceGwei) / 1e9;
  return {
    mode: scenario.mode,
    batchSize: scenario.batchSize,
    gasPerItem: gas,
    dataBytesPerItem: bytes,
    l1ItemsPerSecond: l1,
    l2ItemsPerSecond: parameters.l2GasPerSecond / gas,
    blobTargetItemsPerSecond: bytes > 0 ? blobBytesPerSecond(SOURCES.blobTarget.value) / bytes : Number.POSITIVE_INFINITY,
    blobMaxItemsPerSecond: bytes > 0 ? blobBytesPerSecond(SOURCES.blobMax.value) / bytes : Number.POSITIVE_INFINITY,
    maxItemsPerTransaction: Math.floor(SOURCES.txGasCap.value / gas),
    costEth,
    costUsd: costEth * parameters.ethUsd,
    l1VsTwitterAverage: l1 / SOURCES.twitterAverage.value,
    l1VsTwitterPeak: l1 / SOURCES.twitterPeak.value,
  };
}
