/**
 * Where a transaction's gas goes: debug_traceTransaction (struct logs, without stack, memory and
 * storage) summed by what each opcode pays for, per item of the transaction, against its EIP-7623
 * calldata floor. Used by `--profile` for batched scenarios (results.json `gasProfile`; needs a node
 * that traces steps: `--chain hardhat`, not anvil without --steps-tracing) and by
 * `npx hardhat run scripts/bench/gas-breakdown.ts` (the embedded network).
 */
import type { Hex, PublicClient } from "viem";

import { hexBytes } from "../../lib/keccak.ts";

export interface GasProfile {
  txHash: Hex;
  items: number;
  /** Per item: the shared 21,000, calldata at the standard 4/16 gas per byte, then execution by group. */
  perItem: Record<string, number>;
  executionPerItem: number;
  floorPerItem: number;
  /** Execution that costs nothing under the floor: 6 gas per calldata token. */
  freeExecutionPerItem: number;
  /** Execution that still leaves the transaction within 10% of its floor. */
  withinTenPercentPerItem: number;
}

interface Step { op: string; gas: number; gasCost: number; depth: number }

function group(op: string): string {
  if (op === "STATICCALL") return "ecrecover (precompile call)";
  if (op.startsWith("LOG")) return "logs";
  if (op === "KECCAK256") return "keccak256";
  if (op === "SLOAD" || op === "SSTORE") return "storage";
  if (op.startsWith("CALLDATA")) return "calldata reads and copies";
  if (op === "MLOAD" || op === "MSTORE" || op === "MSTORE8" || op === "MCOPY") return "memory";
  return "ABI decoding, checks, control flow (other opcodes)";
}

export async function traceGas(client: PublicClient, txHash: Hex, input: Hex, items: number): Promise<GasProfile> {
  const trace = (await client.request({
    method: "debug_traceTransaction" as never,
    params: [txHash, { disableStack: true, disableMemory: true, disableStorage: true }] as never,
  })) as { structLogs: Step[] };
  const groups: Record<string, number> = {};
  const steps = trace.structLogs;
  if (steps.length === 0) throw new Error("the node returned no struct logs (anvil traces steps only with --steps-tracing, which slows it down): run npx hardhat run scripts/bench/gas-breakdown.ts, or the bench with --chain hardhat");
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const next = steps[i + 1];
    // A call's gasCost counts the gas it forwards; what it used is the drop to the next step at the
    // same depth (a precompile call has no steps of its own).
    const cost = step.op === "STATICCALL" && next !== undefined && next.depth === step.depth ? step.gas - next.gas : step.gasCost;
    const g = group(step.op);
    groups[g] = (groups[g] ?? 0) + cost;
  }
  const bytes = hexBytes(input);
  const zeros = bytes.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
  const tokens = zeros + 4 * (bytes.length - zeros);
  const execution = Object.values(groups).reduce((a, b) => a + b, 0);
  const floor = 21_000 + 10 * tokens;
  const per = (gas: number) => Math.round(gas / items);
  const perItem: Record<string, number> = { "intrinsic 21,000 (shared)": per(21_000), "calldata at 4/16 gas per byte": per(4 * tokens) };
  for (const [g, gas] of Object.entries(groups).sort((a, b) => b[1] - a[1])) perItem[g] = per(gas);
  return {
    txHash, items, perItem, executionPerItem: per(execution), floorPerItem: per(floor),
    freeExecutionPerItem: per(6 * tokens), withinTenPercentPerItem: per(6 * tokens + 0.1 * floor),
  };
}
