/** Prometheus metrics of the indexer, read from the follower's status at scrape time. */
import { Counter, Gauge, type Registry } from "prom-client";

import type { Follower } from "./chain/follower.ts";
import type { ProtocolEvent } from "./domain.ts";

export interface IndexerMetrics {
  countEvents(events: readonly ProtocolEvent[]): void;
}

export function createIndexerMetrics(registry: Registry, follower: () => Follower | undefined): IndexerMetrics {
  const status = () => follower()?.status();
  new Gauge({
    name: "pennypost_chain_head_block", help: "Newest block number reported by the node", registers: [registry],
    collect() { this.set(status()?.chainHead ?? -1); },
  });
  new Gauge({
    name: "pennypost_indexed_block", help: "Last block whose events are in the store", registers: [registry],
    collect() { this.set(status()?.cursor?.number ?? -1); },
  });
  new Gauge({
    name: "pennypost_index_lag_blocks", help: "Chain head minus indexed block", registers: [registry],
    collect() {
      const s = status();
      this.set(s?.chainHead != null && s.cursor != null ? s.chainHead - s.cursor.number : -1);
    },
  });
  new Gauge({
    name: "pennypost_reorgs", help: "Reorgs repaired since start", registers: [registry],
    collect() { this.set(status()?.reorgs ?? 0); },
  });
  new Gauge({
    name: "pennypost_last_reorg_depth_blocks", help: "Depth of the most recent reorg", registers: [registry],
    collect() { this.set(status()?.lastReorgDepth ?? 0); },
  });
  new Gauge({
    name: "pennypost_ingest_halted", help: "1 when ingestion stopped (reorg deeper than the window)", registers: [registry],
    collect() { this.set(status()?.haltReason ? 1 : 0); },
  });
  const events = new Counter({ name: "pennypost_events_ingested_total", help: "Protocol events written to the store", labelNames: ["kind"], registers: [registry] });
  return {
    countEvents(list) {
      for (const event of list) events.inc({ kind: event.kind });
    },
  };
}
