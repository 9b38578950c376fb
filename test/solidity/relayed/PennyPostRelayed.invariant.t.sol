// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {PennyPost} from "../../../contracts/PennyPost.sol";
import {PennyTestToken} from "../../../contracts/tokens/PennyTestToken.sol";

import {TestBase} from "../utils/TestBase.sol";
import {EdgesHandler} from "./EdgesHandler.sol";
import {RelayedHandler} from "./RelayedHandler.sol";

/// @notice The money rules of IPennyPostRelayed under random sequences of deposits, batches of valid
/// and invalid signed posts and tips, anchors, anchored fee settlements, vouchers, delayed deposit
/// withdrawals with warps, withdrawals, fee payouts and session keys (see RelayedHandler). To point the
/// suite at another implementation (a mutant, say), inherit and override `_deployPennyPost`.
contract PennyPostRelayedInvariantTest is TestBase {
    address internal constant OWNER = address(0x0A11);
    address internal constant TREASURY = address(0x7EA5);

    PennyPost internal pennyPost;
    PennyTestToken internal token;
    RelayedHandler internal handler;

    function setUp() public {
        pennyPost = _deployPennyPost(OWNER, TREASURY);
        token = new PennyTestToken();
        handler = new RelayedHandler(pennyPost, token, OWNER, TREASURY);
        vm.startPrank(OWNER);
        pennyPost.setTokenAccepted(address(token), true);
        pennyPost.setSequencer(handler.SEQUENCER(), true);
        vm.stopPrank();
        // one direct post (stored author), so tips can be checked against it
        address author = handler.actors(0);
        uint256 fee = pennyPost.postFee();
        vm.deal(author, fee);
        vm.prank(author);
        pennyPost.post{value: fee}(0, "a direct post");
        assertEq(pennyPost.authorOf(1), author, "the direct post's author");
    }

    function _deployPennyPost(address owner, address treasury) internal virtual returns (PennyPost) {
        return new PennyPost(owner, treasury, 10_000_000_000_000, 250);
    }

    // ---------------------------------------------------------------- what the fuzzer calls

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](2);
        targets[0] = address(handler);
        targets[1] = address(handler.edges());
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = RelayedHandler.deposit.selector;
        selectors[1] = RelayedHandler.depositToken.selector;
        selectors[2] = RelayedHandler.requestDepositWithdrawal.selector;
        selectors[3] = RelayedHandler.completeDepositWithdrawal.selector;
        selectors[4] = RelayedHandler.cancelDepositWithdrawal.selector;
        selectors[5] = RelayedHandler.authorizeSession.selector;
        selectors[6] = RelayedHandler.revokeSession.selector;
        selectors[7] = RelayedHandler.cancelNonces.selector;
        selectors[8] = RelayedHandler.warp.selector;
        selectors[9] = RelayedHandler.submitBatch.selector;
        selectors[10] = RelayedHandler.anchor.selector;
        selectors[11] = RelayedHandler.settleAnchoredFees.selector;
        selectors[12] = RelayedHandler.settleVouchers.selector;
        selectors[13] = RelayedHandler.withdraw.selector;
        selectors[14] = RelayedHandler.withdrawFees.selector;
        targets = new FuzzSelector[](2);
        targets[0] = FuzzSelector({addr: address(handler), selectors: selectors});
        bytes4[] memory edges = new bytes4[](3);
        edges[0] = EdgesHandler.togglePause.selector;
        edges[1] = EdgesHandler.setTokenAccepted.selector;
        edges[2] = EdgesHandler.sendToSelf.selector;
        targets[1] = FuzzSelector({addr: address(handler.edges()), selectors: edges});
    }

    // ---------------------------------------------------------------- the handler can succeed

    /// @notice Not an invariant: a fixed sequence through the handler reaches every money path (batched
    /// posts and tips in both assets, anchored fees, vouchers, a completed deposit withdrawal), so the
    /// invariants below are checked against sequences that move money, not only against skips.
    function test_handler_reachesEveryMoneyPath() public {
        for (uint256 i; i < handler.ACTORS(); ++i) {
            handler.deposit(i, 5 ether);
            handler.depositToken(i, 500e18);
        }
        for (uint256 seed = 1; seed < 40; ++seed) handler.submitBatch(seed * 0x1234567, 0);
        handler.anchor(3, keccak256("root"));
        handler.settleAnchoredFees(1, 0.01 ether, 0);
        handler.settleVouchers(2, 0, 7, 0);
        handler.settleVouchers(3, 1, 8, 0);
        handler.requestDepositWithdrawal(0, 0, 1 ether);
        handler.completeDepositWithdrawal(0, 0, 2 hours);
        handler.withdraw(handler.ACTORS(), 0); // the relayer
        handler.withdrawFees(1);
        // the edges (issue 16): a pause around a withdrawal request, a delisting between relayed
        // tips, money sent to PennyPost itself, tips naming it as the author
        handler.deposit(1, 1 ether);
        handler.requestDepositWithdrawal(1, 0, 1 ether);
        uint256 withdrawnBefore = handler.ghost_depositWithdrawn(0);
        handler.edges().togglePause();
        handler.completeDepositWithdrawal(1, 0, 2 hours); // paused: reverts, as it must
        handler.edges().togglePause();
        handler.completeDepositWithdrawal(1, 0, 0); // within a delay of the unpause: reverts
        handler.completeDepositWithdrawal(1, 0, 1 hours);
        handler.edges().setTokenAccepted(false);
        for (uint256 seed = 40; seed < 60; ++seed) handler.submitBatch(seed * 0x1234567, 0);
        handler.settleVouchers(3, 1, 9, 0);
        handler.edges().setTokenAccepted(true);
        for (uint256 what; what < 4; ++what) handler.edges().sendToSelf(what, 0, what);
        handler.submitBatch(0x401, type(uint256).max); // no post, 4 tips, each naming PennyPost as the author (flaw 15)
        handler.settleVouchers(2, 0, 7, 5);

        assertTrue(handler.ghost_postFeesCharged() != 0, "batched posts charged");
        assertTrue(handler.ghost_tipped(0) != 0, "ETH tips");
        assertTrue(handler.ghost_tipped(1) != 0, "token tips");
        assertTrue(handler.ghost_anchoredFeesCharged() != 0, "anchored fees");
        assertTrue(handler.ghost_depositWithdrawn(0) != 0, "deposit withdrawal");
        (uint256 ethVoucher,) = pennyPost.voucherState(handler.actors(2), address(0));
        (uint256 tokenVoucher,) = pennyPost.voucherState(handler.actors(3), address(token));
        assertTrue(ethVoucher != 0 && tokenVoucher != 0, "vouchers settled");
        assertEq(handler.ghost_depositWithdrawn(0), withdrawnBefore + 1 ether, "the withdrawal across the pause completed");
        assertEq(handler.edges().ghost_selfAttempts(), 4, "four transfers to PennyPost tried");
        assertEq(handler.edges().ghost_unexpected(), 0, "money sent to, or owed to, PennyPost itself");
        assertEq(handler.ghost_unexpected(), 0, string.concat("unexpected: ", handler.ghost_lastUnexpected()));
        invariant_balanceEqualsOwedPlusFeesPlusDeposits();
        invariant_nothingOwedToPennyPostItself();
        invariant_tippedAndChargedEqualDebits();
    }

    // ---------------------------------------------------------------- invariants

    /// @notice Conservation, exactly, for ether and the token:
    /// balance == Σ owed + feesOwed + Σ depositOf.
    function invariant_balanceEqualsOwedPlusFeesPlusDeposits() public view {
        for (uint256 a; a < handler.ASSETS(); ++a) {
            assertEq(
                handler.balanceOfPennyPost(a),
                handler.sumOwed(a) + pennyPost.feesOwed(handler.assets(a)) + handler.sumDeposits(a),
                _what("balance == sum owed + feesOwed + sum deposits", a)
            );
        }
    }

    /// @notice What left the deposits is exactly what the events charged: Σ Tipped amounts (+ batched
    /// post fees + anchored fee settlements, in ether) == Σ debits; and the deposits hold exactly
    /// Σ deposited - Σ debits - Σ withdrawn from deposits.
    function invariant_tippedAndChargedEqualDebits() public view {
        assertEq(
            handler.ghost_tipped(0) + handler.ghost_postFeesCharged() + handler.ghost_anchoredFeesCharged(),
            handler.ghost_debits(0),
            "ETH: sum Tipped + post fees + anchored fees == sum debits"
        );
        assertEq(handler.ghost_tipped(1), handler.ghost_debits(1), "token: sum Tipped == sum debits");
        for (uint256 a; a < handler.ASSETS(); ++a) {
            assertEq(
                handler.sumDeposits(a),
                handler.ghost_deposited(a) - handler.ghost_debits(a) - handler.ghost_depositWithdrawn(a),
                _what("deposits == deposited - debits - withdrawn", a)
            );
        }
    }

    /// @notice No money is owed to PennyPost itself (owed, deposit, treasury): it could never leave.
    function invariant_nothingOwedToPennyPostItself() public view {
        for (uint256 a; a < handler.ASSETS(); ++a) {
            assertEq(pennyPost.owed(address(pennyPost), handler.assets(a)), 0, _what("owed to PennyPost", a));
            assertEq(pennyPost.depositOf(address(pennyPost), handler.assets(a)), 0, _what("deposit of PennyPost", a));
        }
        assertTrue(pennyPost.treasury() != address(pennyPost), "PennyPost is its own treasury");
    }

    /// @notice No nonce ever decreases, and no call had an outcome the spec forbids.
    function invariant_noncesOnlyGrowAndNothingUnexpected() public view {
        assertEq(handler.ghost_nonceDecreases(), 0, "nonce decreases seen");
        for (uint256 i; i < handler.ACTORS(); ++i) {
            assertLe(handler.ghost_lastNonce(i), pennyPost.nonces(handler.actors(i)), "nonce below the last seen");
        }
        assertEq(
            handler.ghost_unexpected(), 0, string.concat("unexpected outcomes, last: ", handler.ghost_lastUnexpected())
        );
        assertEq(handler.edges().ghost_unexpected(), 0, "money sent to, or owed to, PennyPost itself");
    }

    function _what(string memory rule, uint256 asset) internal pure returns (string memory) {
        return string.concat(rule, " for asset #", Strings.toString(asset), asset == 0 ? " (ETH)" : " (PennyTestToken)");
    }
}
