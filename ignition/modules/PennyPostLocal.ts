import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import PennyPostModule from "./PennyPost.ts";

/** How many local test accounts receive test tokens (Hardhat and anvil both fund 10 by default). */
const FUNDED_ACCOUNTS = 10;
/** The local relayer (server/relayer) signs with test account #9 and is the local sequencer. */
export const LOCAL_RELAYER_ACCOUNT = 9;
/** 10,000 PPTEST each. */
const TEST_TOKEN_GRANT = 10_000n * 10n ** 18n;

/**
 * Local development: the protocol, plus the worthless PennyTestToken accepted for tips and
 * minted to the local test accounts. Never deploy this module to a network with real money.
 */
export default buildModule("PennyPostLocal", (m) => {
  const { pennyPost } = m.useModule(PennyPostModule);
  const testToken = m.contract("PennyTestToken");
  m.call(pennyPost, "setTokenAccepted", [testToken, true]);
  m.call(pennyPost, "setSequencer", [m.getAccount(LOCAL_RELAYER_ACCOUNT), true]);
  for (let i = 0; i < FUNDED_ACCOUNTS; i++) {
    m.call(testToken, "faucet", [m.getAccount(i), TEST_TOKEN_GRANT], { id: `grant_${i}` });
  }
  return { pennyPost, testToken };
});
