/** Messages between the Ledger (main thread) and its writer worker. */
export interface WriterInit {
  file: string;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
  /** Caps the database size (pages); also how the tests simulate a full disk. */
  maxPageCount?: number;
  /** false stores every payload whole (the benchmark's baseline); default true. */
  contentAddressing?: boolean;
}

export type ToWriter =
  | {
      type: 'batch';
      batch: number;
      /** Per event: its fields as JSON (no payload), and its payload as JSON (null = none). */
      items: string[];
      payloads: (string | null)[];
      wantHashes: boolean;
    }
  | {
      type: 'checkpoint';
      batch: number;
      kind: 'checkpoint' | 'prune';
      seq: number;
      hash: string;
      tsMs: number;
      publicKey: string;
      signature: string;
      /** For prune: delete every event with seq <= `seq` (whole runs only, checked again here). */
      removed?: number;
    }
  | { type: 'setMaxPages'; batch: number; pages: number }
  | { type: 'close'; batch: number };

export type FromWriter =
  | { type: 'ready'; seq: number; hash: string }
  | { type: 'initError'; code: string; message: string }
  | { type: 'ack'; batch: number; firstSeq: number; count: number; lastHash: string; hashes?: string[] }
  | { type: 'fail'; batch: number; code: string; message: string };
