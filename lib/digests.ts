/**
 * EIP-712 digests of PennyPost's batched actions (`Post`, `Tip`, `TipVoucher`), hashed by hand
 * like `anchoredPostDigester` (lib/anchored.ts): the same bytes as viem's `hashTypedData` (a
 * property test holds them equal), about 10x faster. What the relayer recovers each accepted
 * action's signer from.
 */
import { domainSeparator, type Hex } from "viem";

import { anchoredPostDigester, putUint } from "./anchored.ts";
import { hexBytes, keccak } from "./keccak.ts";
import type { AnchoredPostMessage, PennyPostDomain, PostMessage, TipMessage, VoucherMessage } from "./relayed.ts";

const utf8 = new TextEncoder();
const typehash = (type: string) => keccak(utf8.encode(type));
const POST = typehash("Post(address author,uint256 parentId,string content,uint256 maxFee,uint256 nonce,uint256 deadline)");
const TIP = typehash("Tip(address tipper,uint256 postId,address author,address asset,uint256 amount,uint256 nonce,uint256 deadline)");
const VOUCHER = typehash("TipVoucher(address tipper,address asset,uint256 cumulativeAmount,bytes32 tipsHash)");

export interface Digesters {
  post(message: PostMessage): Uint8Array;
  tip(message: TipMessage): Uint8Array;
  voucher(message: VoucherMessage): Uint8Array;
  anchoredPost(message: AnchoredPostMessage): Uint8Array;
}

export function digesters(domain: PennyPostDomain): Digesters {
  const separator = hexBytes(domainSeparator({ domain }));
  const digest = (struct: Uint8Array) => {
    const input = new Uint8Array(66);
    input[0] = 0x19;
    input[1] = 0x01;
    input.set(separator, 2);
    input.set(keccak(struct), 34);
    return keccak(input);
  };
  const address = (out: Uint8Array, at: number, value: Hex) => out.set(hexBytes(value), at + 12);
  return {
    post(m) {
      const s = new Uint8Array(7 * 32);
      s.set(POST, 0);
      address(s, 32, m.author);
      putUint(s, 64, m.parentId);
      s.set(keccak(utf8.encode(m.content)), 96);
      putUint(s, 128, m.maxFee);
      putUint(s, 160, m.nonce);
      putUint(s, 192, m.deadline);
      return digest(s);
    },
    tip(m) {
      const s = new Uint8Array(8 * 32);
      s.set(TIP, 0);
      address(s, 32, m.tipper);
      putUint(s, 64, m.postId);
      address(s, 96, m.author);
      address(s, 128, m.asset);
      putUint(s, 160, m.amount);
      putUint(s, 192, m.nonce);
      putUint(s, 224, m.deadline);
      return digest(s);
    },
    voucher(m) {
      const s = new Uint8Array(5 * 32);
      s.set(VOUCHER, 0);
      address(s, 32, m.tipper);
      address(s, 64, m.asset);
      putUint(s, 96, m.cumulativeAmount);
      s.set(hexBytes(m.tipsHash), 128);
      return digest(s);
    },
    anchoredPost: anchoredPostDigester(domain),
  };
}
