/**
 * Every external figure the report uses, with where it comes from. The projections
 * (projections.ts) read them from here only, so that a figure and its citation cannot drift apart.
 */
export interface Source {
  value: number;
  unit: string;
  what: string;
  url: string;
}

export const SOURCES = {
  l1GasLimit: {
    value: 60_000_000, unit: "gas per block",
    what: "Ethereum L1 block gas limit (EIP-7935 sets clients' default to 60M gas, in force on mainnet since late 2025)",
    url: "https://eips.ethereum.org/EIPS/eip-7935",
  },
  l1BlockSeconds: {
    value: 12, unit: "seconds per block",
    what: "Ethereum L1 slot time (one block per 12 s slot)",
    url: "https://ethereum.org/en/developers/docs/blocks/",
  },
  txGasCap: {
    value: 2 ** 24, unit: "gas per transaction",
    what: "Transaction gas limit cap (EIP-7825, Fusaka): 16,777,216 gas",
    url: "https://eips.ethereum.org/EIPS/eip-7825",
  },
  calldataFloorZero: {
    value: 10, unit: "gas per zero byte",
    what: "EIP-7623 calldata floor: 10 gas per token, a zero byte is 1 token",
    url: "https://eips.ethereum.org/EIPS/eip-7623",
  },
  calldataFloorNonZero: {
    value: 40, unit: "gas per non-zero byte",
    what: "EIP-7623 calldata floor: 10 gas per token, a non-zero byte is 4 tokens",
    url: "https://eips.ethereum.org/EIPS/eip-7623",
  },
  txBaseGas: {
    value: 21_000, unit: "gas per transaction",
    what: "Intrinsic gas of a transaction (also the base of the EIP-7623 floor)",
    url: "https://eips.ethereum.org/EIPS/eip-7623",
  },
  blobBytes: {
    value: 131_072, unit: "bytes per blob",
    what: "EIP-4844 blob: 4096 field elements of 32 bytes = 128 KiB (about 126,976 usable bytes at 31 bytes per element)",
    url: "https://eips.ethereum.org/EIPS/eip-4844",
  },
  blobTarget: {
    value: 6, unit: "blobs per block (target)",
    what: "EIP-7691 (Pectra) blob target per block",
    url: "https://eips.ethereum.org/EIPS/eip-7691",
  },
  blobMax: {
    value: 9, unit: "blobs per block (max)",
    what: "EIP-7691 (Pectra) blob maximum per block",
    url: "https://eips.ethereum.org/EIPS/eip-7691",
  },
  l2GasPerSecond: {
    value: 25_000_000, unit: "gas per second",
    what: "Base's gas target reached in Q1 2025 (25 Mgas/s; goal 250 Mgas/s by the end of 2025), Base engineering blog \"Scaling Base: reaching 50 Mgas/s in Q2\"",
    url: "https://paragraph.com/@base-engineering-blog/scaling-base-reaching-50-mgas-in-q2",
  },
  twitterAverage: {
    value: 5_700, unit: "tweets per second",
    what: "Twitter's average in 2013: more than 500 million Tweets a day, about 5,700 per second (R. Krikorian, Twitter engineering blog, 16 Aug 2013)",
    url: "https://blog.twitter.com/engineering/en_us/a/2013/new-tweets-per-second-record-and-how",
  },
  twitterPeak: {
    value: 143_199, unit: "tweets per second",
    what: "Twitter's record peak, 3 Aug 2013 (Castle in the Sky airing in Japan), same blog post",
    url: "https://blog.twitter.com/engineering/en_us/a/2013/new-tweets-per-second-record-and-how",
  },
} as const satisfies Record<string, Source>;

export type SourceKey = keyof typeof SOURCES;
