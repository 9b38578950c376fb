/**
 * The transaction data of a submission, one kind per transaction: `submitBatch` (batched posts,
 * then tips, as the contract runs them), `anchor` / `anchorHash` (a Merkle root of anchored posts,
 * with the batch data in calldata or kept here for indexers), `settleVouchers`, and
 * `settleAnchoredFees`. Pure.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { buildAnchorTree, encodeAnchorData, type AnchoredPost } from "../../lib/anchored.ts";
import { hexBytes, keccakHex } from "../../lib/keccak.ts";
import type { Action, Mode } from "./actions.ts";

export interface FeeItem {
  author: Address;
  parentId: bigint;
  contentHash: Hex;
  seq: bigint;
  cumulativeFee: bigint;
  signature: Hex;
  /** The anchored batch, leaf position and Merkle proof of the post (`settleAnchoredFees` checks them against the root). */
  batchId: bigint;
  index: bigint;
  proof: Hex[];
}

/** Batched mode runs every post before any tip: the order outcomes come back in. */
export function batchedOrder<T extends { action: Action }>(items: readonly T[]): T[] {
  return [...items.filter((i) => i.action.type === "post"), ...items.filter((i) => i.action.type !== "post")];
}

export function encodeActions(kind: Mode, actions: readonly Action[]): { data: Hex; batchData?: { hash: Hex; data: Hex } } {
  if (kind === "batched") {
    const posts = actions.flatMap((a) => (a.type === "post" && a.mode === "batched" ? [{ ...a.message, signature: a.signature }] : []));
    const tips = actions.flatMap((a) => (a.type === "tip" ? [{ ...a.message, signature: a.signature }] : []));
    return { data: encodeFunctionData({ abi: pennyPostAbi, functionName: "submitBatch", args: [posts, tips] }) };
  }
  if (kind === "voucher") {
    const vouchers = actions.flatMap((a) => (a.type === "voucher" ? [{ ...a.message, signature: a.signature, tips: a.tips }] : []));
    return { data: encodeFunctionData({ abi: pennyPostAbi, functionName: "settleVouchers", args: [vouchers] }) };
  }
  const posts: AnchoredPost[] = actions.flatMap((a) => (a.type === "post" && a.mode !== "batched" ? [{ ...a.message, signature: a.signature }] : []));
  const root = buildAnchorTree(posts).root;
  const batchData = encodeAnchorData(posts);
  if (kind === "anchored-calldata") {
    return { data: encodeFunctionData({ abi: pennyPostAbi, functionName: "anchor", args: [root, BigInt(posts.length), batchData] }) };
  }
  const hash = keccakHex(hexBytes(batchData));
  return {
    data: encodeFunctionData({ abi: pennyPostAbi, functionName: "anchorHash", args: [root, BigInt(posts.length), hash] }),
    batchData: { hash, data: batchData },
  };
}

export function encodeFees(items: readonly FeeItem[]): Hex {
  return encodeFunctionData({ abi: pennyPostAbi, functionName: "settleAnchoredFees", args: [items] });
}
