// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IPennyPost} from "../../contracts/interfaces/IPennyPost.sol";

import {PennyPostFixture} from "./utils/PennyPostFixture.sol";

/// @notice Owner-only setters: range checks with the right custom error, and refusal of everyone
/// who is not the owner (the treasury included).
contract PennyPostAdminTest is PennyPostFixture {
    // ---------------------------------------------------------------- range checks

    function testFuzz_setTipFeeBps_acceptsAnyAllowedValue(uint256 bps) public {
        bps = bound(bps, 0, pennyPost.MAX_TIP_FEE_BPS());
        vm.expectEmit();
        emit IPennyPost.TipFeeSet(TIP_FEE_BPS, bps);
        vm.prank(owner);
        pennyPost.setTipFeeBps(bps);
        assertEq(pennyPost.tipFeeBps(), bps, "tipFeeBps");
    }

    function testFuzz_setTipFeeBps_rejectsAboveMax(uint256 bps) public {
        uint256 max = pennyPost.MAX_TIP_FEE_BPS();
        bps = bound(bps, max + 1, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostTipFeeTooHigh.selector, bps, max));
        vm.prank(owner);
        pennyPost.setTipFeeBps(bps);
        assertEq(pennyPost.tipFeeBps(), TIP_FEE_BPS, "tipFeeBps unchanged");
    }

    function testFuzz_setPostFee_acceptsAnyAllowedValue(uint256 fee) public {
        fee = bound(fee, 0, pennyPost.MAX_POST_FEE());
        vm.expectEmit();
        emit IPennyPost.PostFeeSet(POST_FEE, fee);
        vm.prank(owner);
        pennyPost.setPostFee(fee);
        assertEq(pennyPost.postFee(), fee, "postFee");
    }

    function testFuzz_setPostFee_rejectsAboveMax(uint256 fee) public {
        uint256 max = pennyPost.MAX_POST_FEE();
        fee = bound(fee, max + 1, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostPostFeeTooHigh.selector, fee, max));
        vm.prank(owner);
        pennyPost.setPostFee(fee);
        assertEq(pennyPost.postFee(), POST_FEE, "postFee unchanged");
    }

    function test_setTreasury_rejectsZeroAddress() public {
        vm.expectRevert(IPennyPost.PennyPostZeroAddress.selector);
        vm.prank(owner);
        pennyPost.setTreasury(address(0));
        assertEq(pennyPost.treasury(), treasury, "treasury unchanged");
    }

    function test_setTokenAccepted_rejectsZeroAddress() public {
        vm.expectRevert(IPennyPost.PennyPostZeroAddress.selector);
        vm.prank(owner);
        pennyPost.setTokenAccepted(address(0), true);
        assertEq(pennyPost.isTokenAccepted(address(0)), false, "ether is never a token");
    }

    function testFuzz_setTreasury_movesAccruedFeesToNewTreasury(address newTreasury) public {
        vm.assume(newTreasury != address(0) && newTreasury.code.length == 0 && uint160(newTreasury) > 0xffff);
        uint256 fees = pennyPost.feesOwed(ETH);
        vm.prank(owner);
        pennyPost.setTreasury(newTreasury);
        uint256 before = newTreasury.balance;
        vm.prank(newTreasury);
        pennyPost.withdrawFees(ETH);
        assertEq(newTreasury.balance, before + fees, "fees accrued earlier go to the new treasury");
    }

    // ---------------------------------------------------------------- only the owner

    /// @notice Every admin function refuses every caller but the owner, whatever the argument.
    function testFuzz_admin_rejectsNonOwner(address caller, uint256 value) public {
        vm.assume(caller != owner);
        bytes memory unauthorized = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, caller);
        // arguments computed before each prank: a view call in between would consume it
        uint256 fee = bound(value, 0, pennyPost.MAX_POST_FEE());
        uint256 bps = bound(value, 0, pennyPost.MAX_TIP_FEE_BPS());
        address someAddress = address(uint160(bound(value, 1, type(uint160).max)));

        vm.expectRevert(unauthorized);
        vm.prank(caller);
        pennyPost.setPostFee(fee);

        vm.expectRevert(unauthorized);
        vm.prank(caller);
        pennyPost.setTipFeeBps(bps);

        vm.expectRevert(unauthorized);
        vm.prank(caller);
        pennyPost.setTreasury(someAddress);

        vm.expectRevert(unauthorized);
        vm.prank(caller);
        pennyPost.setTokenAccepted(someAddress, value % 2 == 0);

        vm.expectRevert(unauthorized);
        vm.prank(caller);
        pennyPost.pause();

        vm.prank(owner);
        pennyPost.pause();
        vm.expectRevert(unauthorized);
        vm.prank(caller);
        pennyPost.unpause();

        assertEq(pennyPost.postFee(), POST_FEE, "postFee unchanged");
        assertEq(pennyPost.tipFeeBps(), TIP_FEE_BPS, "tipFeeBps unchanged");
        assertEq(pennyPost.treasury(), treasury, "treasury unchanged");
        assertEq(pennyPost.paused(), true, "still paused");
    }

    /// @notice Out-of-range values from a non-owner fail on ownership first: the range is not leaked
    /// as the reason.
    function testFuzz_admin_nonOwnerOutOfRangeFailsOnOwnership(address caller, uint256 value) public {
        vm.assume(caller != owner);
        bytes memory unauthorized = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, caller);
        uint256 bps = bound(value, pennyPost.MAX_TIP_FEE_BPS() + 1, type(uint256).max);
        uint256 fee = bound(value, pennyPost.MAX_POST_FEE() + 1, type(uint256).max);
        vm.expectRevert(unauthorized);
        vm.prank(caller);
        pennyPost.setTipFeeBps(bps);
        vm.expectRevert(unauthorized);
        vm.prank(caller);
        pennyPost.setPostFee(fee);
    }

    function test_ownership_transfersInTwoSteps() public {
        vm.prank(owner);
        pennyPost.transferOwnership(bob);
        assertEq(pennyPost.owner(), owner, "owner unchanged until accepted");
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        pennyPost.acceptOwnership();
        vm.prank(bob);
        pennyPost.acceptOwnership();
        assertEq(pennyPost.owner(), bob, "new owner");
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        vm.prank(owner);
        pennyPost.setTipFeeBps(0);
    }
}
