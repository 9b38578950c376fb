/**
 * keccak256 for the hot paths: anchored batches (content and leaf hashes, the Merkle tree, signer
 * recovery) in the sequencer, the relayer and the indexer, and the benchmark's signer. hash-wasm's
 * WebAssembly Keccak hashes a 280-byte post in ~1.3 µs on this machine, against ~10.6 µs for the
 * pure-JS keccak viem uses (noble) and ~4 µs for the native `keccak` package (its per-call overhead).
 *
 * Server and tooling only: the web page's CSP does not allow WebAssembly, and it hashes too little to
 * need it (it keeps viem's keccak256).
 */
import { createKeccak } from "hash-wasm";

import type { Hex } from "viem";

const hasher = await createKeccak(256);

/** keccak256 of `data`, as 32 bytes. */
export function keccak(data: Uint8Array): Uint8Array {
  hasher.init();
  hasher.update(data);
  return hasher.digest("binary");
}

/** keccak256 of `data`, as 0x-prefixed lower-case hex. */
export function keccakHex(data: Uint8Array): Hex {
  hasher.init();
  hasher.update(data);
  return `0x${hasher.digest("hex")}`;
}

/** Bytes of a 0x-prefixed hex string; throws on odd length or a non-hex character. */
export function hexBytes(hex: string): Buffer {
  if (!hex.startsWith("0x") || hex.length % 2 !== 0) throw new RangeError(`not 0x-prefixed hex of whole bytes: ${hex.slice(0, 20)}`);
  const bytes = Buffer.from(hex.slice(2), "hex");
  // Buffer.from stops at the first character that is not hex: a short result means bad input.
  if (bytes.length * 2 !== hex.length - 2) throw new RangeError(`not hex: ${hex.slice(0, 20)}`);
  return bytes;
}
