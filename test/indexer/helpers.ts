/** Real chains and real LevelDB directories for the indexer tests. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { pino } from "pino";
import type { PublicClient } from "viem";

import { createFollower, type FollowerConfig } from "../../server/chain/follower.ts";
import type { Hex } from "../../server/domain.ts";
import { LevelStore } from "../../server/store/level-store.ts";
import { checkSchema } from "../../server/store/schema.ts";

export const silentLogger = pino({ level: "silent" });

const dirs: string[] = [];

export async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `pennypost-${name}-`));
  dirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export function followerConfig(address: Hex, overrides: Partial<FollowerConfig> = {}): FollowerConfig {
  return {
    address, startBlock: 0, confirmations: 0, reorgWindow: 16, chunkBlocks: 8, maxChunkBlocks: 64, pollIntervalMs: 20,
    ...overrides,
  };
}

/** A follower over a fresh LevelDB directory (marked with the layout version, as the server does). */
export async function openIndexer(client: PublicClient, address: Hex, overrides: Partial<FollowerConfig> = {}, dir?: string) {
  const store = await LevelStore.open(dir ?? (await tempDir("index")));
  await checkSchema(store);
  const follower = createFollower({ client, store, logger: silentLogger, config: followerConfig(address, overrides) });
  return { store, follower };
}

/** Indexes the chain as it is now into a new directory and returns the whole database. */
export async function freshDump(client: PublicClient, address: Hex, overrides: Partial<FollowerConfig> = {}) {
  const { store, follower } = await openIndexer(client, address, overrides);
  await follower.syncOnce();
  const dump = await store.dump();
  await store.close();
  return dump;
}
