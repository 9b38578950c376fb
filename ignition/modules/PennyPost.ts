import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Default posting fee: 0.00001 ETH (a few cents), enough to make spam cost something. */
export const DEFAULT_POST_FEE = 10_000_000_000_000n;
/** Default tip fee: 2.5% to the treasury. */
export const DEFAULT_TIP_FEE_BPS = 250n;

/**
 * The protocol contract for any network. Parameters (all optional; see README "Deploy"):
 * `owner` and `treasury` default to the deploying account.
 */
export default buildModule("PennyPost", (m) => {
  const deployer = m.getAccount(0);
  const owner = m.getParameter("owner", deployer);
  const treasury = m.getParameter("treasury", deployer);
  const postFee = m.getParameter("postFee", DEFAULT_POST_FEE);
  const tipFeeBps = m.getParameter("tipFeeBps", DEFAULT_TIP_FEE_BPS);

  const pennyPost = m.contract("PennyPost", [owner, treasury, postFee, tipFeeBps]);
  return { pennyPost };
});
