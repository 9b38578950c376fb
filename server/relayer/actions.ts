/**
 * The signed actions `POST /v1/actions` accepts: one zod schema per kind (numbers as decimal
 * strings, addresses and signatures as 0x hex), their EIP-712 digests, and the signer each
 * recovers to. Pure: no I/O.
 */
import { bytesToHex, getAddress, hexToBytes, type Address, type Hex } from "viem";
import { z } from "zod";

import { digesters, type Digesters } from "../../lib/digests.ts";
import { extendVoucher, type PennyPostDomain, type VoucherTip } from "../../lib/relayed.ts";
import { recoverSigner } from "../../lib/recover.ts";
import type { RecoverPool } from "../../lib/recover-pool.ts";

const uint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "a decimal integer string").transform((s) => BigInt(s));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte hex address").transform((s) => getAddress(s));
const signature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte 0x hex signature (r, s, v)").transform((s) => s.toLowerCase() as Hex);
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte 0x hex value").transform((s) => s.toLowerCase() as Hex);

const batchedPost = z.strictObject({
  type: z.literal("post"),
  mode: z.literal("batched"),
  message: z.strictObject({ author: address, parentId: uint, content: z.string(), maxFee: uint, nonce: uint, deadline: uint }),
  signature,
});
const batchedTip = z.strictObject({
  type: z.literal("tip"),
  mode: z.literal("batched"),
  message: z.strictObject({ tipper: address, postId: uint, author: address, asset: address, amount: uint, nonce: uint, deadline: uint }),
  signature,
});
const anchoredPost = z.strictObject({
  type: z.literal("post"),
  mode: z.enum(["anchored-calldata", "anchored-hash"]),
  message: z.strictObject({ author: address, parentId: uint, content: z.string(), seq: uint, cumulativeFee: uint }),
  signature,
});
const voucher = z.strictObject({
  type: z.literal("voucher"),
  mode: z.literal("voucher").default("voucher"),
  message: z.strictObject({ tipper: address, asset: address, cumulativeAmount: uint, tipsHash: bytes32 }),
  tips: z.array(z.strictObject({ postId: uint, author: address, amount: uint })).min(1).max(256),
  signature,
});

// Discriminated by type, then by mode: each action is parsed against its own shape only.
export const actionSchema = z.discriminatedUnion("type", [
  z.discriminatedUnion("mode", [batchedPost, anchoredPost]),
  batchedTip,
  voucher,
]);
export type Action = z.output<typeof actionSchema>;
export type BatchedPost = z.output<typeof batchedPost>;
export type BatchedTip = z.output<typeof batchedTip>;
export type AnchoredPostAction = z.output<typeof anchoredPost>;
export type VoucherAction = z.output<typeof voucher>;
export type Mode = Action["mode"];

/** The account an action spends from. */
export function accountOf(action: Action): Address {
  return action.type === "post" ? action.message.author : action.message.tipper;
}

/** The asset it spends, and how much of it beyond what is already settled or pending before it. */
export function assetOf(action: Action): Address {
  return action.type === "post" ? "0x0000000000000000000000000000000000000000" : action.message.asset;
}

const digesterCache = new WeakMap<PennyPostDomain, Digesters>();

/** The EIP-712 digest the action's signature signs, as bytes (hashed by hand: lib/digests.ts). */
export function digestBytesOf(action: Action, domain: PennyPostDomain): Uint8Array {
  let d = digesterCache.get(domain);
  if (d === undefined) {
    d = digesters(domain);
    digesterCache.set(domain, d);
  }
  switch (action.type) {
    case "post":
      return action.mode === "batched" ? d.post(action.message) : d.anchoredPost(action.message);
    case "tip":
      return d.tip(action.message);
    case "voucher":
      return d.voucher(action.message);
  }
}

export function digestOf(action: Action, domain: PennyPostDomain): Hex {
  return bytesToHex(digestBytesOf(action, domain));
}

/** The address the signature recovers to, on the process's recovery pool (lib/recover-pool.ts). */
export async function recoverActionSigner(action: Action, domain: PennyPostDomain, pool: Pick<RecoverPool, "recoverOne">): Promise<{ signer: Address | null; digest: Uint8Array }> {
  const digest = digestBytesOf(action, domain);
  const signature = hexToBytes(action.signature);
  // The pool failing (a worker that cannot start) costs speed, never an answer.
  const signer = await pool.recoverOne(digest, signature).catch(() => recoverSigner(digest, signature));
  return { signer: signer === null ? null : getAddress(signer), digest };
}

/** The address the signature recovers to (low-s only, v 27/28, as the contract), or null. */
export function signerOf(action: Action, domain: PennyPostDomain): Address | null {
  const signer = recoverSigner(digestBytesOf(action, domain), hexToBytes(action.signature));
  return signer === null ? null : getAddress(signer);
}

/** Whether a voucher's tips chain from `from` to its hash and add up to its cumulative amount. */
export function voucherExtends(action: VoucherAction, from: { cumulativeAmount: bigint; tipsHash: Hex }): boolean {
  const tips: VoucherTip[] = action.tips;
  if (tips.some((t) => t.amount === 0n || t.postId === 0n)) return false;
  const next = extendVoucher(from, tips);
  return next.cumulativeAmount === action.message.cumulativeAmount && next.tipsHash.toLowerCase() === action.message.tipsHash;
}

/** The action as JSON (numbers as decimal strings), how it is stored and answered. */
export function actionJson(action: Action): unknown {
  const m = action.message as Record<string, unknown>;
  const message: Record<string, unknown> = {};
  for (const k in m) message[k] = typeof m[k] === "bigint" ? (m[k] as bigint).toString() : m[k];
  const json: Record<string, unknown> = { type: action.type, mode: action.mode, message, signature: action.signature };
  if (action.type === "voucher") json.tips = action.tips.map((t) => ({ postId: t.postId.toString(), author: t.author, amount: t.amount.toString() }));
  return json;
}
