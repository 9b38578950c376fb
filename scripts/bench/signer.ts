/**
 * Signers for the load generator. Users' devices sign their own actions; the bench plays all of
 * them, ahead of the timed window, so it needs signing to be fast. `fastSigner` has the shape of a
 * viem local account's `signTypedData` (so lib/relayed.ts's signPost & co. take it unchanged): the
 * EIP-712 digest from viem's `hashTypedData` (for `AnchoredPost`, the by-hand digest of
 * lib/anchored.ts, the same bytes ~10x faster), the signature from libsecp256k1 (the `secp256k1`
 * package, native) with noble (viem's `sign`) as the fallback where the native binary is missing.
 * Both give the same deterministic RFC 6979 low-s signature.
 */
import { createRequire } from "node:module";

import { bytesToHex, hashTypedData, hexToBytes, keccak256, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";

import { anchoredPostDigester } from "../../lib/anchored.ts";
import type { AnchoredPostMessage, PennyPostDomain, TypedDataSigner } from "../../lib/relayed.ts";

interface NativeSecp256k1 {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}

const native: NativeSecp256k1 | undefined = (() => {
  try {
    return createRequire(import.meta.url)("secp256k1") as NativeSecp256k1;
  } catch {
    return undefined;
  }
})();

export const SIGNING_METHOD = native
  ? "EIP-712 digest by hand for AnchoredPost (lib/anchored.ts) and with viem hashTypedData otherwise, ECDSA with libsecp256k1 (secp256k1 npm package, native)"
  : "EIP-712 digest by hand for AnchoredPost (lib/anchored.ts) and with viem hashTypedData otherwise, ECDSA with @noble/curves (viem sign): native secp256k1 unavailable";

export interface BenchAccount extends TypedDataSigner {
  address: Address;
  privateKey: Hex;
}

/** Signs a 32-byte digest: 65 bytes r || s || v (v = 27 + recid), as the contract's ECDSA expects. */
export async function signDigest(digest: Uint8Array, privateKey: Hex): Promise<Hex> {
  if (native) {
    const { signature, recid } = native.ecdsaSign(digest, hexToBytes(privateKey));
    const out = new Uint8Array(65);
    out.set(signature, 0);
    out[64] = 27 + recid;
    return bytesToHex(out);
  }
  return sign({ hash: bytesToHex(digest), privateKey, to: "hex" });
}

/** One digester per domain object (a run signs under one domain). */
const digesters = new WeakMap<PennyPostDomain, ReturnType<typeof anchoredPostDigester>>();
function digesterOf(domain: PennyPostDomain): ReturnType<typeof anchoredPostDigester> {
  let digester = digesters.get(domain);
  if (digester === undefined) digesters.set(domain, (digester = anchoredPostDigester(domain)));
  return digester;
}

export function fastSigner(privateKey: Hex): BenchAccount {
  const { address } = privateKeyToAccount(privateKey);
  return {
    address,
    privateKey,
    signTypedData: (async (parameters: Parameters<typeof hashTypedData>[0]) =>
      signDigest(
        parameters.primaryType === "AnchoredPost"
          ? digesterOf(parameters.domain as PennyPostDomain)(parameters.message as unknown as AnchoredPostMessage)
          : hexToBytes(hashTypedData(parameters)),
        privateKey,
      )) as unknown as TypedDataSigner["signTypedData"],
  };
}

/** Deterministic accounts from the seed: key i = keccak256("pennypost-bench", seed, i). */
export function benchAccounts(seed: number, count: number): BenchAccount[] {
  return Array.from({ length: count }, (_, i) => fastSigner(keccak256(toHex(`pennypost-bench:${seed}:${i}`))));
}
