/**
 * One worker of lib/recover-pool.ts: recovers a chunk of signers with lib/recover.ts.
 *
 * In:  { id, count, buffer } — `buffer` holds count 32-byte digests, then count 65-byte signatures.
 * Out: { id, buffer }        — count 21-byte records: 1 and the signer's 20 address bytes, or 0 and
 *                              20 zero bytes for no signer; or { id, error } when the chunk failed.
 * Both buffers are transferred, not copied. Runs under Node's type stripping (no build step).
 */
import { parentPort, workerData } from "node:worker_threads";

import { recoverSignerBytes } from "./recover.ts";

export interface RecoverRequest {
  id: number;
  count: number;
  buffer: ArrayBuffer;
}

export type RecoverResponse = { id: number; buffer: ArrayBuffer } | { id: number; error: string };

/** The `workerData` the pool starts this file with: only then does it answer messages (importing it elsewhere, even in another worker, does not). */
export const WORKER_MARK = "pennypost:recover-worker";
export const DIGEST_BYTES = 32;
export const SIGNATURE_BYTES = 65;
export const RECORD_BYTES = 21;

/** Recovers every item of a packed chunk into packed records (see the file's comment). */
export function recoverPacked(count: number, buffer: ArrayBuffer): ArrayBuffer {
  const out = new Uint8Array(count * RECORD_BYTES);
  const signatures = count * DIGEST_BYTES;
  for (let i = 0; i < count; i++) {
    const digest = new Uint8Array(buffer, i * DIGEST_BYTES, DIGEST_BYTES);
    const signature = new Uint8Array(buffer, signatures + i * SIGNATURE_BYTES, SIGNATURE_BYTES);
    const address = recoverSignerBytes(digest, signature);
    if (address !== null) {
      out[i * RECORD_BYTES] = 1;
      out.set(address, i * RECORD_BYTES + 1);
    }
  }
  return out.buffer;
}

if (parentPort !== null && workerData === WORKER_MARK) {
  const port = parentPort;
  port.on("message", ({ id, count, buffer }: RecoverRequest) => {
    let response: RecoverResponse;
    try {
      response = { id, buffer: recoverPacked(count, buffer) };
    } catch (error) {
      response = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    port.postMessage(response, "buffer" in response ? [response.buffer] : []);
  });
}
