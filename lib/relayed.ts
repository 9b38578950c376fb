/**
 * The client side of PennyPost's relayed write modes (contracts/interfaces/IPennyPostRelayed.sol):
 * EIP-712 types and signing, and the tip-voucher hash chain. Used by the relayer, the indexer, the
 * CLI, the benchmark and the web page. Anchored batches (tree, proofs, data format) are in
 * lib/anchored.ts, which the page does not load.
 */
import {
  type Address,
  type Hex,
  encodeAbiParameters,
  getAddress,
  hashTypedData,
  keccak256,
  stringToBytes,
  toHex,
  bytesToHex,
  hexToBytes,
  bytesToString,
  numberToHex,
} from "viem";
import type { LocalAccount } from "viem/accounts";

export const ETH: Address = "0x0000000000000000000000000000000000000000";

export interface PennyPostDomain {
  name: "PennyPost";
  version: "1";
  chainId: number;
  verifyingContract: Address;
}

export function pennyPostDomain(chainId: number, verifyingContract: Address): PennyPostDomain {
  return { name: "PennyPost", version: "1", chainId, verifyingContract };
}

/** The EIP-712 types, exactly as the contract hashes them. */
export const relayedTypes = {
  Post: [
    { name: "author", type: "address" },
    { name: "parentId", type: "uint256" },
    { name: "content", type: "string" },
    { name: "maxFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  Tip: [
    { name: "tipper", type: "address" },
    { name: "postId", type: "uint256" },
    { name: "author", type: "address" },
    { name: "asset", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  AnchoredPost: [
    { name: "author", type: "address" },
    { name: "parentId", type: "uint256" },
    { name: "content", type: "string" },
    { name: "seq", type: "uint256" },
    { name: "cumulativeFee", type: "uint256" },
  ],
  TipVoucher: [
    { name: "tipper", type: "address" },
    { name: "asset", type: "address" },
    { name: "cumulativeAmount", type: "uint256" },
    { name: "tipsHash", type: "bytes32" },
  ],
} as const;

export interface PostMessage {
  author: Address;
  parentId: bigint;
  content: string;
  maxFee: bigint;
  nonce: bigint;
  deadline: bigint;
}
export interface TipMessage {
  tipper: Address;
  postId: bigint;
  author: Address;
  asset: Address;
  amount: bigint;
  nonce: bigint;
  deadline: bigint;
}
export interface AnchoredPostMessage {
  author: Address;
  parentId: bigint;
  content: string;
  seq: bigint;
  cumulativeFee: bigint;
}
export interface VoucherMessage {
  tipper: Address;
  asset: Address;
  cumulativeAmount: bigint;
  tipsHash: Hex;
}

export type Signed<T> = T & { signature: Hex };

/** Anything that signs typed data: a viem local account (private key, session key) or a wallet. */
export type TypedDataSigner = Pick<LocalAccount, "signTypedData">;

export const postDigest = (domain: PennyPostDomain, message: PostMessage): Hex =>
  hashTypedData({ domain, types: relayedTypes, primaryType: "Post", message });
export const tipDigest = (domain: PennyPostDomain, message: TipMessage): Hex =>
  hashTypedData({ domain, types: relayedTypes, primaryType: "Tip", message });
export const anchoredPostDigest = (domain: PennyPostDomain, message: AnchoredPostMessage): Hex =>
  hashTypedData({ domain, types: relayedTypes, primaryType: "AnchoredPost", message });
export const voucherDigest = (domain: PennyPostDomain, message: VoucherMessage): Hex =>
  hashTypedData({ domain, types: relayedTypes, primaryType: "TipVoucher", message });

export async function signPost(
  signer: TypedDataSigner,
  domain: PennyPostDomain,
  message: PostMessage,
): Promise<Signed<PostMessage>> {
  const signature = await signer.signTypedData({ domain, types: relayedTypes, primaryType: "Post", message });
  return { ...message, signature };
}
export async function signTip(
  signer: TypedDataSigner,
  domain: PennyPostDomain,
  message: TipMessage,
): Promise<Signed<TipMessage>> {
  const signature = await signer.signTypedData({ domain, types: relayedTypes, primaryType: "Tip", message });
  return { ...message, signature };
}
export async function signAnchoredPost(
  signer: TypedDataSigner,
  domain: PennyPostDomain,
  message: AnchoredPostMessage,
): Promise<Signed<AnchoredPostMessage>> {
  const signature = await signer.signTypedData({ domain, types: relayedTypes, primaryType: "AnchoredPost", message });
  return { ...message, signature };
}
export async function signVoucher(
  signer: TypedDataSigner,
  domain: PennyPostDomain,
  message: VoucherMessage,
): Promise<Signed<VoucherMessage>> {
  const signature = await signer.signTypedData({ domain, types: relayedTypes, primaryType: "TipVoucher", message });
  return { ...message, signature };
}

// ------------------------------------------------------------------ vouchers

export interface VoucherTip {
  postId: bigint;
  author: Address;
  amount: bigint;
}

export const ZERO_HASH: Hex = `0x${"0".repeat(64)}`;

/** One link of a tipper's chain: `keccak256(abi.encode(previous, postId, author, amount))`. */
export function tipChainStep(previous: Hex, tip: VoucherTip): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "uint256" }],
      [previous, tip.postId, tip.author, tip.amount],
    ),
  );
}

/** Extends a settled (or empty) voucher state with `tips`: the new cumulative amount and hash. */
export function extendVoucher(
  from: { cumulativeAmount: bigint; tipsHash: Hex },
  tips: readonly VoucherTip[],
): { cumulativeAmount: bigint; tipsHash: Hex } {
  let { cumulativeAmount, tipsHash } = from;
  for (const tip of tips) {
    tipsHash = tipChainStep(tipsHash, tip);
    cumulativeAmount += tip.amount;
  }
  return { cumulativeAmount, tipsHash };
}
