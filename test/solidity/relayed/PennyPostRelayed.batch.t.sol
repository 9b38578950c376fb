// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../../../contracts/interfaces/IPennyPost.sol";
import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice `submitBatch` executes the valid items and skips each invalid one with its reason, never
/// reverting: front-running by the signer, a bad signature among good ones, nonces out of order,
/// deposits too small, fees above `maxFee`, unknown parents and posts, and author mismatches.
contract PennyPostRelayedBatchTest is RelayedFixture {
    uint256 internal carolPk = 0xCA201;
    address internal carol;

    function setUp() public override {
        super.setUp();
        carol = vm.addr(carolPk);
        vm.label(carol, "carol");
        _depositEth(pennyPost, bobSigner, 1 ether);
        _depositEth(pennyPost, carol, 1 ether);
        _depositEth(pennyPost, tipper, 1 ether);
    }

    function _three() internal returns (IPennyPostRelayed.SignedPost[] memory posts) {
        posts = new IPennyPostRelayed.SignedPost[](3);
        posts[0] = _signedPost(bobPk, 0, "bob #0", 0);
        posts[1] = _signedPost(carolPk, 0, "carol #0", 0);
        posts[2] = _signedPost(tipperPk, 0, "tipper #0", 0);
    }

    // ---------------------------------------------------------------- the happy path

    /// @notice Valid posts and tips execute in order: ids follow postCount, deposits pay the fee and
    /// the tips, the relayer is credited exactly the posting fees, the authors their tip shares.
    function test_submitBatch_executesAndCreditsRelayer() public {
        IPennyPostRelayed.SignedPost[] memory posts = _three();
        uint256 first = pennyPost.postCount() + 1;
        IPennyPostRelayed.SignedTip[] memory tips = new IPennyPostRelayed.SignedTip[](2);
        tips[0] = _signedTip(tipperPk, first, bobSigner, ETH, 0.4 ether, 1); // bob's relayed post
        tips[1] = _signedTip(bobPk, alicePost, alice, ETH, 0.2 ether, 1); // alice's direct post

        vm.expectEmit();
        emit IPennyPost.Posted(first, bobSigner, 0, POST_FEE, "bob #0");
        vm.expectEmit();
        emit IPennyPost.Posted(first + 2, tipper, 0, POST_FEE, "tipper #0");
        vm.expectEmit();
        emit IPennyPost.Tipped(first, tipper, bobSigner, ETH, 0.4 ether, 0.01 ether);
        vm.expectEmit();
        emit IPennyPostRelayed.BatchSubmitted(relayer, 3, 2, 0, 3 * POST_FEE);
        _submit(posts, tips);

        assertEq(pennyPost.postCount(), first + 2, "three ids used");
        assertEq(pennyPost.owed(relayer, ETH), 3 * POST_FEE, "relayer gets the posting fees");
        assertEq(pennyPost.owed(bobSigner, ETH), 0.39 ether, "bob's tip share");
        assertEq(pennyPost.owed(alice, ETH), 0.195 ether, "alice's tip share");
        assertEq(pennyPost.feesOwed(ETH), POST_FEE + 0.015 ether, "treasury: alice's direct fee + tip fees");
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether - POST_FEE - 0.2 ether, "bob's deposit");
        assertEq(pennyPost.depositOf(tipper, ETH), 1 ether - POST_FEE - 0.4 ether, "tipper's deposit");
        assertEq(pennyPost.nonces(bobSigner), 2, "bob's nonce");
        assertEq(pennyPost.nonces(tipper), 2, "tipper's nonce");
    }

    // ---------------------------------------------------------------- front-running by the signer

    /// @notice The signer (or anyone) submits its own action alone first: in the relayer's batch that
    /// item is skipped with PennyPostNonceMismatch, the other items execute, the relayer is paid only
    /// for them, and the signer paid once.
    function test_frontRunBySignerSubmittingAlone_skipsOnlyThatItem() public {
        IPennyPostRelayed.SignedPost[] memory posts = _three();
        vm.prank(carol);
        pennyPost.submitBatch(_posts(posts[1]), _noTips());
        assertEq(pennyPost.owed(carol, ETH), POST_FEE, "carol relayed herself and got her fee back");

        _expectSkipped(carol, 0, IPennyPostRelayed.PennyPostNonceMismatch.selector);
        vm.expectEmit();
        emit IPennyPostRelayed.BatchSubmitted(relayer, 2, 0, 1, 2 * POST_FEE);
        _submit(posts, _noTips());
        assertEq(pennyPost.depositOf(carol, ETH), 1 ether - POST_FEE, "carol paid once");
        assertEq(pennyPost.nonces(carol), 1, "carol's nonce moved once");
        assertEq(pennyPost.owed(relayer, ETH), 2 * POST_FEE, "relayer paid for the two it carried");
    }

    /// @notice The signer cancels its nonces: its item is skipped, the others execute.
    function test_frontRunByCancelNonces_skipsOnlyThatItem() public {
        IPennyPostRelayed.SignedPost[] memory posts = _three();
        vm.expectEmit();
        emit IPennyPostRelayed.NoncesCancelled(bobSigner, 5);
        vm.prank(bobSigner);
        pennyPost.cancelNonces(5);

        _expectSkipped(bobSigner, 0, IPennyPostRelayed.PennyPostNonceMismatch.selector);
        vm.expectEmit();
        emit IPennyPostRelayed.BatchSubmitted(relayer, 2, 0, 1, 2 * POST_FEE);
        _submit(posts, _noTips());
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether, "bob paid nothing");
        assertEq(pennyPost.nonces(bobSigner), 5, "bob's nonce stays where he set it");
    }

    /// @notice Nonces only move forward: cancelling to the current nonce or below reverts.
    function testFuzz_cancelNonces_onlyForward(uint256 first, uint256 second) public {
        first = bound(first, 1, type(uint256).max);
        vm.prank(bobSigner);
        pennyPost.cancelNonces(first);
        second = bound(second, 0, first);
        vm.expectRevert(
            abi.encodeWithSelector(IPennyPostRelayed.PennyPostNonceNotIncreasing.selector, first, second)
        );
        vm.prank(bobSigner);
        pennyPost.cancelNonces(second);
        assertEq(pennyPost.nonces(bobSigner), first, "nonce unchanged");
    }

    // ---------------------------------------------------------------- bad signature among good ones

    /// @notice One item signed by the wrong key (fuzzed) among good ones: it is skipped with
    /// PennyPostBadSignature, the good ones execute, and the victim's deposit and nonce do not move.
    function testFuzz_badSignatureAmongGoodOnes(uint256 wrongKeySeed, uint8 position) public {
        uint256 wrongPk = _key(wrongKeySeed);
        IPennyPostRelayed.SignedPost[] memory posts = _three();
        uint256 bad = position % 3;
        vm.assume(vm.addr(wrongPk) != posts[bad].author);
        address victim = posts[bad].author;
        posts[bad] = _signPost(pennyPost, wrongPk, posts[bad]);

        _expectSkipped(victim, 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        vm.expectEmit();
        emit IPennyPostRelayed.BatchSubmitted(relayer, 2, 0, 1, 2 * POST_FEE);
        _submit(posts, _noTips());
        assertEq(pennyPost.depositOf(victim, ETH), 1 ether, "victim's deposit untouched");
        assertEq(pennyPost.nonces(victim), 0, "victim's nonce untouched");
        for (uint256 i; i < 3; ++i) {
            if (i != bad) assertEq(pennyPost.nonces(posts[i].author), 1, "good item executed");
        }
    }

    /// @notice A signature that is not 65 bytes, or is empty, is a bad signature, not a revert.
    function test_malformedSignature_isSkipped() public {
        IPennyPostRelayed.SignedPost memory p = _signedPost(bobPk, 0, "bob", 0);
        p.signature = bytes.concat(p.signature, hex"00");
        _expectSkipped(bobSigner, 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submit(_posts(p), _noTips());
        p.signature = "";
        _expectSkipped(bobSigner, 0, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submit(_posts(p), _noTips());
        assertEq(pennyPost.nonces(bobSigner), 0, "nothing executed");
    }

    // ---------------------------------------------------------------- nonces in order

    /// @notice Nonces must be used in order inside a batch: [1, 0] executes 0 and skips 1, [0, 1]
    /// executes both.
    function test_wrongNonceOrder_skipsTheEarlyOne() public {
        IPennyPostRelayed.SignedPost[] memory posts = new IPennyPostRelayed.SignedPost[](2);
        posts[0] = _signedPost(bobPk, 0, "bob #1", 1);
        posts[1] = _signedPost(bobPk, 0, "bob #0", 0);
        _expectSkipped(bobSigner, 1, IPennyPostRelayed.PennyPostNonceMismatch.selector);
        _submit(posts, _noTips());
        assertEq(pennyPost.nonces(bobSigner), 1, "only nonce 0 executed");
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether - POST_FEE, "one fee paid");

        posts[0] = _signedPost(bobPk, 0, "bob #1 again", 1);
        posts[1] = _signedPost(bobPk, 0, "bob #2", 2);
        _submit(posts, _noTips());
        assertEq(pennyPost.nonces(bobSigner), 3, "in order, both execute");
    }

    /// @notice A tip with a nonce ahead of the account's is skipped (fuzzed gap).
    function testFuzz_futureNonce_isSkipped(uint256 nonce) public {
        nonce = bound(nonce, 1, type(uint256).max);
        IPennyPostRelayed.SignedTip memory t = _signedTip(tipperPk, alicePost, alice, ETH, 1, nonce);
        _expectSkipped(tipper, nonce, IPennyPostRelayed.PennyPostNonceMismatch.selector);
        _submit(_noPosts(), _tips(t));
        assertEq(pennyPost.owed(alice, ETH), 0, "nothing tipped");
    }

    /// @notice A batch runs all its posts, then all its tips: a signer whose tip has nonce 0 and post
    /// nonce 1 sees its post skipped (NonceMismatch) even though both are in the same batch; signed
    /// posts-first, both execute. Relayers and clients must order nonces that way.
    function test_postsRunBeforeTips_soNoncesMustFollow() public {
        IPennyPostRelayed.SignedTip memory t = _signedTip(bobPk, alicePost, alice, ETH, 1, 0);
        IPennyPostRelayed.SignedPost memory p = _signedPost(bobPk, 0, "bob, nonce 1", 1);
        _expectSkipped(bobSigner, 1, IPennyPostRelayed.PennyPostNonceMismatch.selector);
        _submit(_posts(p), _tips(t));
        assertEq(pennyPost.nonces(bobSigner), 1, "only the tip executed");

        p = _signedPost(bobPk, 0, "bob, nonce 1", 1);
        t = _signedTip(bobPk, alicePost, alice, ETH, 1, 2);
        _submit(_posts(p), _tips(t));
        assertEq(pennyPost.nonces(bobSigner), 3, "posts first, then tips: both execute");
    }

    // ---------------------------------------------------------------- money checks

    /// @notice A deposit below the fee (post) or the amount (tip) skips the item with
    /// PennyPostInsufficientDeposit; an exact deposit executes.
    function testFuzz_insufficientDeposit_isSkipped(uint256 depositSeed, uint256 amountSeed) public {
        uint256 amount = bound(amountSeed, 1, 10 ether);
        uint256 have = bound(depositSeed, 0, amount - 1);
        uint256 pk = 0xD0D0;
        address dora = vm.addr(pk);
        if (have != 0) _depositEth(pennyPost, dora, have);

        IPennyPostRelayed.SignedTip memory t = _signedTip(pk, alicePost, alice, ETH, amount, 0);
        _expectSkipped(dora, 0, IPennyPostRelayed.PennyPostInsufficientDeposit.selector);
        _submit(_noPosts(), _tips(t));
        assertEq(pennyPost.depositOf(dora, ETH), have, "tip: deposit untouched");

        if (have < POST_FEE) {
            IPennyPostRelayed.SignedPost memory p = _signedPost(pk, 0, "dora", 0);
            _expectSkipped(dora, 0, IPennyPostRelayed.PennyPostInsufficientDeposit.selector);
            _submit(_posts(p), _noTips());
            assertEq(pennyPost.nonces(dora), 0, "post: nonce untouched");
        }

        _depositEth(pennyPost, dora, amount - have);
        _submit(_noPosts(), _tips(t));
        assertEq(pennyPost.depositOf(dora, ETH), 0, "an exact deposit pays the tip");
    }

    /// @notice The post fee rose above the `maxFee` the author signed: skipped with PennyPostFeeAboveMax.
    function testFuzz_feeAboveMax_isSkipped(uint256 maxFee) public {
        maxFee = bound(maxFee, 0, POST_FEE - 1);
        IPennyPostRelayed.SignedPost memory p = _unsignedPost(bobSigner, 0, "bob", 0);
        p.maxFee = maxFee;
        p = _signPost(pennyPost, bobPk, p);
        _expectSkipped(bobSigner, 0, IPennyPostRelayed.PennyPostFeeAboveMax.selector);
        _submit(_posts(p), _noTips());
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether, "deposit untouched");

        vm.prank(owner);
        pennyPost.setPostFee(maxFee);
        _submit(_posts(p), _noTips());
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether - maxFee, "at maxFee it executes and pays the fee");
        assertEq(pennyPost.owed(relayer, ETH), maxFee, "relayer paid the current fee");
    }

    // ---------------------------------------------------------------- posts and authors

    /// @notice A parent id above postCount (counting the batch's earlier posts) is skipped with
    /// PennyPostUnknownPost; a reply to a post made earlier in the same batch executes.
    function test_unknownParent_isSkipped() public {
        uint256 count = pennyPost.postCount();
        IPennyPostRelayed.SignedPost[] memory posts = new IPennyPostRelayed.SignedPost[](3);
        posts[0] = _signedPost(bobPk, count + 2, "reply to the future", 0);
        posts[1] = _signedPost(carolPk, 0, "carol", 0);
        posts[2] = _signedPost(tipperPk, count + 1, "reply to carol, same batch", 0);
        _expectSkipped(bobSigner, 0, IPennyPost.PennyPostUnknownPost.selector);
        vm.expectEmit();
        emit IPennyPost.Posted(count + 2, tipper, count + 1, POST_FEE, "reply to carol, same batch");
        _submit(posts, _noTips());
        assertEq(pennyPost.nonces(bobSigner), 0, "bob's reply skipped");
    }

    /// @notice Empty and over-long contents are skipped with the direct mode's reasons.
    function test_badContent_isSkipped() public {
        IPennyPostRelayed.SignedPost[] memory posts = new IPennyPostRelayed.SignedPost[](2);
        posts[0] = _signedPost(bobPk, 0, "", 0);
        posts[1] = _signedPost(carolPk, 0, _content(1025), 0);
        _expectSkipped(bobSigner, 0, IPennyPost.PennyPostEmptyContent.selector);
        _expectSkipped(carol, 0, IPennyPost.PennyPostContentTooLong.selector);
        _submit(posts, _noTips());
        assertEq(pennyPost.postCount(), 1, "nothing posted");
    }

    /// @notice Tips of post 0, of a post beyond postCount, of 0 wei, or naming the zero author are
    /// skipped with their reasons.
    function test_badTips_areSkipped() public {
        uint256 count = pennyPost.postCount();
        IPennyPostRelayed.SignedTip[] memory tips = new IPennyPostRelayed.SignedTip[](4);
        tips[0] = _signedTip(tipperPk, 0, alice, ETH, 1, 0);
        tips[1] = _signedTip(bobPk, count + 1, alice, ETH, 1, 0);
        tips[2] = _signedTip(carolPk, alicePost, alice, ETH, 0, 0);
        tips[3] = _signedTip(0xD0D0, alicePost, address(0), ETH, 1, 0);
        _expectSkipped(tipper, 0, IPennyPost.PennyPostUnknownPost.selector);
        _expectSkipped(bobSigner, 0, IPennyPost.PennyPostUnknownPost.selector);
        _expectSkipped(carol, 0, IPennyPost.PennyPostZeroTip.selector);
        _expectSkipped(vm.addr(0xD0D0), 0, IPennyPost.PennyPostZeroAddress.selector);
        vm.expectEmit();
        emit IPennyPostRelayed.BatchSubmitted(relayer, 0, 0, 4, 0);
        _submit(_noPosts(), tips);
    }

    /// @notice A tip of a direct post must name its stored author (fuzzed impostor): skipped with
    /// PennyPostAuthorMismatch. A relayed post stores no author, so the tipper's choice stands.
    function testFuzz_authorMismatchOnDirectPost_isSkipped(address impostor, uint256 amount) public {
        vm.assume(impostor != alice && impostor != address(0));
        amount = bound(amount, 1, 1 ether);
        IPennyPostRelayed.SignedTip memory t = _signedTip(tipperPk, alicePost, impostor, ETH, amount, 0);
        _expectSkipped(tipper, 0, IPennyPostRelayed.PennyPostAuthorMismatch.selector);
        _submit(_noPosts(), _tips(t));
        assertEq(pennyPost.owed(impostor, ETH), 0, "impostor paid nothing");
        assertEq(pennyPost.depositOf(tipper, ETH), 1 ether, "tipper's deposit untouched");

        t = _signedTip(tipperPk, alicePost, alice, ETH, amount, 0);
        _submit(_noPosts(), _tips(t));
        assertEq(pennyPost.owed(alice, ETH), amount - _expectedFee(amount, TIP_FEE_BPS), "the real author is paid");
    }

    /// @notice Token tips from a token deposit: the author's share and the token fee, exactly.
    function testFuzz_tokenTip_fromDeposit(uint256 amount) public {
        amount = bound(amount, 1, 1e30);
        _depositToken(pennyPost, tipper, amount);
        IPennyPostRelayed.SignedTip memory t = _signedTip(tipperPk, alicePost, alice, address(token), amount, 0);
        _submit(_noPosts(), _tips(t));
        uint256 fee = _expectedFee(amount, TIP_FEE_BPS);
        assertEq(pennyPost.owed(alice, address(token)), amount - fee, "author share");
        assertEq(pennyPost.feesOwed(address(token)), fee, "token fee");
        assertEq(pennyPost.depositOf(tipper, address(token)), 0, "deposit spent");
        assertEq(token.balanceOf(address(pennyPost)), amount, "tokens stay in the contract");
    }

    /// @notice Paused: the whole batch reverts (nothing skipped, nothing moves).
    function test_submitBatch_revertsWhenPaused() public {
        vm.prank(owner);
        pennyPost.pause();
        IPennyPostRelayed.SignedPost[] memory posts = _three();
        vm.expectRevert(bytes4(keccak256("EnforcedPause()")));
        _submit(posts, _noTips());
        assertEq(pennyPost.nonces(bobSigner), 0, "nothing executed");
    }
}
