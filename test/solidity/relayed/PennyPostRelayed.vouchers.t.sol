// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../../../contracts/interfaces/IPennyPost.sol";
import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice Cumulative tip vouchers: the newest voucher wins and pays only what is new; stale,
/// mismatched and unfunded vouchers are skipped; the withdrawal window lets a relayer settle the
/// newest voucher before the tipper takes back exactly what is unspent, and nothing is paid twice.
contract PennyPostRelayedVouchersTest is RelayedFixture {
    uint256 internal constant DEPOSIT = 10 ether;
    /// @dev A relayed post (id reserved by an anchor): no stored author, so the tipper names it.
    uint256 internal anchoredPost;

    function setUp() public override {
        super.setUp();
        vm.prank(sequencer);
        uint256 batchId = pennyPost.anchorHash(keccak256("root"), 1, bytes32(0));
        (, anchoredPost,) = pennyPost.anchorOf(batchId);
        _depositEth(pennyPost, tipper, DEPOSIT);
    }

    function _tip(uint256 postId, address author, uint256 amount)
        internal
        pure
        returns (IPennyPostRelayed.VoucherTip memory)
    {
        return IPennyPostRelayed.VoucherTip(postId, author, amount);
    }

    /// @dev The voucher after `all` tips, carrying the links from index `from` on.
    function _voucher(IPennyPostRelayed.VoucherTip[] memory all, uint256 from)
        internal
        returns (IPennyPostRelayed.Voucher memory v)
    {
        bytes32 h;
        uint256 sum;
        for (uint256 i; i < all.length; ++i) {
            h = keccak256(abi.encode(h, all[i].postId, all[i].author, all[i].amount));
            sum += all[i].amount;
        }
        IPennyPostRelayed.VoucherTip[] memory links = new IPennyPostRelayed.VoucherTip[](all.length - from);
        for (uint256 i = from; i < all.length; ++i) {
            links[i - from] = _tip(all[i].postId, all[i].author, all[i].amount); // a copy, not an alias
        }
        v = IPennyPostRelayed.Voucher(tipper, ETH, sum, h, "", links);
        v.signature = _sign(tipperPk, _voucherDigest(pennyPost, v));
    }

    function _settle(IPennyPostRelayed.Voucher memory v) internal {
        IPennyPostRelayed.Voucher[] memory list = new IPennyPostRelayed.Voucher[](1);
        list[0] = v;
        vm.prank(relayer);
        pennyPost.settleVouchers(list);
    }

    /// @dev Three tips: alice's direct post, bob on the anchored post, alice again.
    function _threeTips(uint256 a, uint256 b, uint256 c)
        internal
        view
        returns (IPennyPostRelayed.VoucherTip[] memory all)
    {
        all = new IPennyPostRelayed.VoucherTip[](3);
        all[0] = _tip(alicePost, alice, a);
        all[1] = _tip(anchoredPost, bob, b);
        all[2] = _tip(alicePost, alice, c);
    }

    function _share(uint256 amount) internal pure returns (uint256) {
        return amount - _expectedFee(amount, TIP_FEE_BPS);
    }

    function _prefix(IPennyPostRelayed.VoucherTip[] memory all, uint256 n)
        internal
        pure
        returns (IPennyPostRelayed.VoucherTip[] memory p)
    {
        p = new IPennyPostRelayed.VoucherTip[](n);
        for (uint256 i; i < n; ++i) p[i] = all[i];
    }

    // ---------------------------------------------------------------- newest wins

    /// @notice The stale voucher (after tip 1) is settled first; the newer one (after tips 1..3) then
    /// pays exactly tips 2 and 3; the stale one again is skipped with PennyPostVoucherStale.
    function testFuzz_newerVoucherSupersedesStale(uint256 a, uint256 b, uint256 c) public {
        a = bound(a, 1, 3 ether);
        b = bound(b, 1, 3 ether);
        c = bound(c, 1, 3 ether);
        IPennyPostRelayed.VoucherTip[] memory all = _threeTips(a, b, c);
        IPennyPostRelayed.Voucher memory stale = _voucher(_prefix(all, 1), 0);
        _settle(stale);
        assertEq(pennyPost.depositOf(tipper, ETH), DEPOSIT - a, "stale voucher paid tip 1");

        IPennyPostRelayed.Voucher memory newer = _voucher(all, 1);
        vm.expectEmit();
        emit IPennyPost.Tipped(anchoredPost, tipper, bob, ETH, b, _expectedFee(b, TIP_FEE_BPS));
        vm.expectEmit();
        emit IPennyPost.Tipped(alicePost, tipper, alice, ETH, c, _expectedFee(c, TIP_FEE_BPS));
        vm.expectEmit();
        emit IPennyPostRelayed.VoucherSettled(tipper, ETH, a + b + c, newer.tipsHash, 2);
        _settle(newer);
        assertEq(pennyPost.depositOf(tipper, ETH), DEPOSIT - a - b - c, "paid exactly the difference");
        assertEq(pennyPost.owed(alice, ETH), _share(a) + _share(c), "alice's shares");
        assertEq(pennyPost.owed(bob, ETH), _share(b), "bob's share");
        (uint256 settled, bytes32 h) = pennyPost.voucherState(tipper, ETH);
        assertEq(settled, a + b + c, "settled amount");
        assertEq(uint256(h), uint256(newer.tipsHash), "settled hash");

        Ledger memory before = _ledger(pennyPost, tipper, alice);
        _expectSkipped(tipper, a, IPennyPostRelayed.PennyPostVoucherStale.selector);
        _settle(stale);
        _expectSkipped(tipper, a + b + c, IPennyPostRelayed.PennyPostVoucherStale.selector);
        _settle(newer);
        _assertLedger(_ledger(pennyPost, tipper, alice), before, "stale replays");
    }

    /// @notice Links that do not chain from the settled hash (a changed amount, a skipped link), or a
    /// signed cumulative that is not the sum, are skipped with PennyPostVoucherMismatch.
    function testFuzz_mismatchedVoucher_isSkipped(uint256 a, uint256 b, uint256 c, uint256 extra) public {
        a = bound(a, 1, 3 ether);
        b = bound(b, 1, 3 ether);
        c = bound(c, 1, 3 ether);
        IPennyPostRelayed.VoucherTip[] memory all = _threeTips(a, b, c);
        Ledger memory before = _ledger(pennyPost, tipper, alice);

        IPennyPostRelayed.Voucher memory v = _voucher(all, 0);
        v.tips[1].amount = b + 1; // the link does not hash to tipsHash
        v.tips[2].amount = c - 1 + (c == 1 ? 2 : 0);
        _expectSkipped(tipper, a + b + c, IPennyPostRelayed.PennyPostVoucherMismatch.selector);
        _settle(v);

        v = _voucher(all, 1); // skips link 1 while nothing is settled
        _expectSkipped(tipper, a + b + c, IPennyPostRelayed.PennyPostVoucherMismatch.selector);
        _settle(v);

        v = _voucher(all, 0);
        v.cumulativeAmount += bound(extra, 1, 1 ether); // signed, chained, but not the sum
        v.signature = _sign(tipperPk, _voucherDigest(pennyPost, v));
        _expectSkipped(tipper, v.cumulativeAmount, IPennyPostRelayed.PennyPostVoucherMismatch.selector);
        _settle(v);
        _assertLedger(_ledger(pennyPost, tipper, alice), before, "mismatched vouchers");
    }

    /// @notice A voucher naming another author than a direct post's is skipped with
    /// PennyPostAuthorMismatch; a voucher signed by someone else with PennyPostBadSignature.
    function test_voucher_authorMismatchAndBadSignature() public {
        IPennyPostRelayed.VoucherTip[] memory all = new IPennyPostRelayed.VoucherTip[](1);
        all[0] = _tip(alicePost, bob, 1 ether);
        _expectSkipped(tipper, 1 ether, IPennyPostRelayed.PennyPostAuthorMismatch.selector);
        _settle(_voucher(all, 0));

        all[0] = _tip(alicePost, alice, 1 ether);
        IPennyPostRelayed.Voucher memory v = _voucher(all, 0);
        v.signature = _sign(alicePk, _voucherDigest(pennyPost, v));
        _expectSkipped(tipper, 1 ether, IPennyPostRelayed.PennyPostBadSignature.selector);
        _settle(v);
        assertEq(pennyPost.depositOf(tipper, ETH), DEPOSIT, "nothing paid");
    }

    // ---------------------------------------------------------------- the withdrawal window

    /// @notice The tipper requests its whole deposit back; the relayer settles the newest voucher at
    /// unlockAt - 1 (it pays); the tipper completes at unlockAt and recovers exactly the unspent
    /// deposit; at unlockAt + 1 a newer voucher finds no deposit (skipped) and the settled one is
    /// stale: nothing is paid twice, and the ledger balances.
    function testFuzz_withdrawalWindow_newestVoucherThenExactRecovery(uint256 a, uint256 b, uint256 c) public {
        a = bound(a, 1, 3 ether);
        b = bound(b, 1, 3 ether);
        c = bound(c, 1, 3 ether);
        IPennyPostRelayed.VoucherTip[] memory all = _threeTips(a, b, c);
        IPennyPostRelayed.Voucher memory newest = _voucher(_prefix(all, 2), 0);
        IPennyPostRelayed.Voucher memory later = _voucher(all, 2); // signed, never funded in time

        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, DEPOSIT);
        (, uint256 unlockAt) = pennyPost.pendingWithdrawal(tipper, ETH);

        vm.warp(unlockAt - 1);
        _settle(newest);
        assertEq(pennyPost.depositOf(tipper, ETH), DEPOSIT - a - b, "settled in the window");

        vm.warp(unlockAt);
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, tipper);
        assertEq(tipper.balance, DEPOSIT - a - b, "recovered exactly the unspent deposit");

        vm.warp(unlockAt + 1);
        uint256 aliceOwed = pennyPost.owed(alice, ETH);
        uint256 bobOwed = pennyPost.owed(bob, ETH);
        _expectSkipped(tipper, a + b + c, IPennyPostRelayed.PennyPostInsufficientDeposit.selector);
        _settle(later);
        _expectSkipped(tipper, a + b, IPennyPostRelayed.PennyPostVoucherStale.selector);
        _settle(newest);
        assertEq(pennyPost.owed(alice, ETH), aliceOwed, "alice not paid twice");
        assertEq(pennyPost.owed(bob, ETH), bobOwed, "bob not paid twice");
        assertEq(
            address(pennyPost).balance,
            pennyPost.owed(alice, ETH) + pennyPost.owed(bob, ETH) + pennyPost.feesOwed(ETH),
            "balance == owed + fees: no wei created or lost"
        );
    }

    /// @notice A relayer that never settles cannot hold the deposit: after the delay the tipper
    /// recovers all of it, and the unsettled voucher is then unfunded.
    function testFuzz_depositRecovery_whenRelayerNeverSettles(uint256 a) public {
        a = bound(a, 1, DEPOSIT);
        IPennyPostRelayed.VoucherTip[] memory all = new IPennyPostRelayed.VoucherTip[](1);
        all[0] = _tip(alicePost, alice, a);
        IPennyPostRelayed.Voucher memory v = _voucher(all, 0);
        vm.prank(tipper);
        pennyPost.requestDepositWithdrawal(ETH, DEPOSIT);
        vm.warp(block.timestamp + DELAY);
        vm.prank(tipper);
        pennyPost.completeDepositWithdrawal(ETH, tipper);
        assertEq(tipper.balance, DEPOSIT, "the whole deposit back");
        _expectSkipped(tipper, a, IPennyPostRelayed.PennyPostInsufficientDeposit.selector);
        _settle(v);
        assertEq(pennyPost.owed(alice, ETH), 0, "nothing paid");
    }
}
