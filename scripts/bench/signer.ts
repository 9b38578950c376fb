/**
 * Signers for the load generator. Users' devices sign their own actions; the bench plays all of
 * them, ahead of the timed window, so it needs signing to be fast. `fastSigner` has the shape of a
 * viem local account's `signTypedData` (so lib/relayed.ts's signPost & co. take it unchanged): the
 * EIP-712 digest from viem's `hashTypedData`, the signature from libsecp256k1 (the `secp256k1`
 * package, native) with noble (viem's `sign`) as the fallback where the native binary is missing.
 * Both give the same deterministic RFC 6979 low-s signature.
 */
import { createRequire } from "node:module";

import { bytesToHex, hashTypedData, hexToBytes, keccak256, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";

import type { TypedDataSigner } from "../../lib/relayed.ts";

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
  ? "EIP-712 digest with viem hashTypedData, ECDSA with libsecp256k1 (secp256k1 npm package, native)"
  : "EIP-712 digest with viem hashTypedData, ECDSA with @noble/curves (viem sign): native secp256k1 unavailable";

export interface BenchAccount extends TypedDataSigner {
  address: Address;
  privateKey: Hex;
}

/** Signs a 32-byte digest: 65 bytes r || s || v (v = 27 + recid), as the contract's ECDSA expects. */
export async function signDigest(digest: Hex, privateKey: Hex): Promise<Hex> {
  if (native) {
    const { signature, recid } = native.ecdsaSign(hexToBytes(digest), hexToBytes(privateKey));
    const out = new Uint8Array(65);
    out.set(signature, 0);
    out[64] = 27 + recid;
    return bytesToHex(out);
  }
  return sign({ hash: digest, privateKey, to: "hex" });
}

export function fastSigner(privateKey: Hex): BenchAccount {
  const { address } = privateKeyToAccount(privateKey);
  return {
    address,
    privateKey,
    signTypedData: (async (parameters: Parameters<typeof hashTypedData>[0]) =>
      signDigest(hashTypedData(parameters), privateKey)) as unknown as TypedDataSigner["signTypedData"],
  };
}

/** Deterministic accounts from the seed: key i = keccak256("pennypost-bench", seed, i). */
export function benchAccounts(seed: number, count: number): BenchAccount[] {
  return Array.from({ length: count }, (_, i) => fastSigner(keccak256(toHex(`pennypost-bench:${seed}:${i}`))));
}
