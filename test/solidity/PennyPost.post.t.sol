// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IPennyPost} from "../../contracts/interfaces/IPennyPost.sol";

import {PennyPostFixture} from "./utils/PennyPostFixture.sol";

/// @notice `post`: ids, authorship, the exact posting fee, content length bounds, replies, pause.
contract PennyPostPostTest is PennyPostFixture {
    uint256 internal constant MAX_CONTENT_BYTES = 1024;

    function test_post_assignsNextIdAndRecordsAuthor() public {
        uint256 id = _post(bob, "second");
        assertEq(id, alicePost + 1, "new post id");
        assertEq(pennyPost.postCount(), id, "postCount is the newest id");
        assertEq(pennyPost.authorOf(id), bob, "author of the new post");
        assertEq(pennyPost.authorOf(alicePost), alice, "earlier author unchanged");
    }

    function test_post_owesFeeToTreasury() public {
        uint256 feesBefore = pennyPost.feesOwed(ETH);
        _post(bob, "pay the treasury");
        assertEq(pennyPost.feesOwed(ETH), feesBefore + POST_FEE, "feesOwed(ETH) grows by the post fee");
        assertEq(address(pennyPost).balance, feesBefore + POST_FEE, "contract holds the fee");
    }

    function test_post_emitsPosted() public {
        vm.deal(bob, POST_FEE);
        vm.expectEmit();
        emit IPennyPost.Posted(alicePost + 1, bob, alicePost, POST_FEE, "a reply");
        vm.prank(bob);
        pennyPost.post{value: POST_FEE}(alicePost, "a reply");
    }

    function test_post_isFreeWhenFeeIsZero() public {
        vm.prank(owner);
        pennyPost.setPostFee(0);
        uint256 feesBefore = pennyPost.feesOwed(ETH);
        vm.prank(bob);
        uint256 id = pennyPost.post(0, "free");
        assertEq(pennyPost.authorOf(id), bob, "author of the free post");
        assertEq(pennyPost.feesOwed(ETH), feesBefore, "no fee owed for a free post");
    }

    function test_post_revertsOnEmptyContent() public {
        vm.deal(bob, POST_FEE);
        vm.expectRevert(IPennyPost.PennyPostEmptyContent.selector);
        vm.prank(bob);
        pennyPost.post{value: POST_FEE}(0, "");
        assertEq(pennyPost.postCount(), alicePost, "postCount unchanged");
    }

    function test_post_revertsOnUnknownParent() public {
        vm.deal(bob, POST_FEE);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostUnknownPost.selector, alicePost + 1));
        vm.prank(bob);
        pennyPost.post{value: POST_FEE}(alicePost + 1, "reply to the future");
        assertEq(pennyPost.postCount(), alicePost, "postCount unchanged");
    }

    function test_post_revertsWhenPaused() public {
        vm.prank(owner);
        pennyPost.pause();
        vm.deal(bob, POST_FEE);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(bob);
        pennyPost.post{value: POST_FEE}(0, "paused");
        assertEq(pennyPost.postCount(), alicePost, "postCount unchanged while paused");

        vm.prank(owner);
        pennyPost.unpause();
        assertEq(_post(bob, "resumed"), alicePost + 1, "posting resumes after unpause");
    }

    /// @notice Any content of 1..MAX_CONTENT_BYTES bytes is accepted, as a reply or top-level.
    function testFuzz_post_acceptsAnyLengthUpToMax(uint256 length, bool reply) public {
        length = bound(length, 1, MAX_CONTENT_BYTES);
        string memory content = _content(length);
        uint256 parent = reply ? alicePost : 0;
        uint256 feesBefore = pennyPost.feesOwed(ETH);
        vm.deal(bob, POST_FEE);
        vm.expectEmit();
        emit IPennyPost.Posted(alicePost + 1, bob, parent, POST_FEE, content);
        vm.prank(bob);
        uint256 id = pennyPost.post{value: POST_FEE}(parent, content);
        assertEq(id, alicePost + 1, "new post id");
        assertEq(pennyPost.authorOf(id), bob, "author");
        assertEq(pennyPost.feesOwed(ETH), feesBefore + POST_FEE, "fee owed to treasury");
    }

    /// @notice Anything longer than MAX_CONTENT_BYTES reverts with the length and the limit.
    function testFuzz_post_rejectsContentLongerThanMax(uint256 length) public {
        length = bound(length, MAX_CONTENT_BYTES + 1, 32 * MAX_CONTENT_BYTES);
        string memory content = string(new bytes(length));
        vm.deal(bob, POST_FEE);
        vm.expectRevert(
            abi.encodeWithSelector(IPennyPost.PennyPostContentTooLong.selector, length, MAX_CONTENT_BYTES)
        );
        vm.prank(bob);
        pennyPost.post{value: POST_FEE}(0, content);
        assertEq(pennyPost.postCount(), alicePost, "postCount unchanged");
        assertEq(bob.balance, POST_FEE, "fee not taken");
    }

    /// @notice For any fee the owner can set, paying anything but exactly that fee reverts.
    function testFuzz_post_rejectsWrongFee(uint256 fee, uint256 paid) public {
        fee = bound(fee, 0, pennyPost.MAX_POST_FEE());
        // any amount the contract's balance can still take (more would overflow the transfer itself)
        paid = bound(paid, 0, type(uint256).max - address(pennyPost).balance);
        vm.assume(paid != fee);
        vm.prank(owner);
        pennyPost.setPostFee(fee);
        uint256 feesBefore = pennyPost.feesOwed(ETH);

        vm.deal(bob, paid);
        vm.expectRevert(abi.encodeWithSelector(IPennyPost.PennyPostWrongFee.selector, paid, fee));
        vm.prank(bob);
        pennyPost.post{value: paid}(0, "wrong fee");
        assertEq(pennyPost.postCount(), alicePost, "postCount unchanged");
        assertEq(pennyPost.feesOwed(ETH), feesBefore, "feesOwed unchanged");
        assertEq(bob.balance, paid, "payment returned");
    }

    /// @notice Paying exactly the fee, whatever it is, posts and owes it to the treasury.
    function testFuzz_post_acceptsExactFee(uint256 fee) public {
        fee = bound(fee, 0, pennyPost.MAX_POST_FEE());
        vm.prank(owner);
        pennyPost.setPostFee(fee);
        uint256 feesBefore = pennyPost.feesOwed(ETH);
        _post(bob, "exact fee");
        assertEq(pennyPost.feesOwed(ETH), feesBefore + fee, "feesOwed grows by the fee");
    }
}
