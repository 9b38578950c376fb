// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PennyPost} from "../../../contracts/PennyPost.sol";
import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice A signed post or tip executes once, on this chain, in this deployment, until its deadline,
/// with its low-s signature only. Every other use is skipped with the reason that says why, and leaves
/// nonces, deposits and balances as they were. Fuzzed over keys, contents and amounts.
contract PennyPostRelayedSignaturesTest is RelayedFixture {
    uint256 internal constant MAX_TIP = 100 ether;

    /// @dev A post by `signer` and a tip of alice's direct post by `tipSigner`: two accounts, so that
    /// a skipped post does not make the tip's nonce wrong.
    struct Case {
        uint256 pk;
        address signer;
        uint256 tipPk;
        address tipSigner;
        IPennyPostRelayed.SignedPost post;
        IPennyPostRelayed.SignedTip tip;
    }

    function _case(uint256 keySeed, uint256 lengthSeed, uint256 amountSeed) internal returns (Case memory c) {
        c.pk = _key(keySeed);
        c.signer = vm.addr(c.pk);
        c.tipPk = _key(uint256(keccak256(abi.encode(keySeed))));
        c.tipSigner = vm.addr(c.tipPk);
        vm.assume(c.signer != alice && c.signer != relayer && c.tipSigner != alice && c.tipSigner != relayer);
        vm.assume(c.signer != c.tipSigner);
        uint256 amount = bound(amountSeed, 1, MAX_TIP);
        _depositEth(pennyPost, c.signer, POST_FEE);
        _depositEth(pennyPost, c.tipSigner, amount);
        c.post = _signedPost(c.pk, alicePost, _content(bound(lengthSeed, 1, 1024)), pennyPost.nonces(c.signer));
        c.tip = _signedTip(c.tipPk, alicePost, alice, ETH, amount, pennyPost.nonces(c.tipSigner));
    }

    function _submitCase(Case memory c) internal {
        _submit(_posts(c.post), _tips(c.tip));
    }

    function _executed(Case memory c) internal view returns (bool) {
        return pennyPost.nonces(c.signer) == c.post.nonce + 1 && pennyPost.nonces(c.tipSigner) == c.tip.nonce + 1;
    }

    function _expectCaseSkipped(Case memory c, bytes4 reason) internal {
        _expectSkipped(c.signer, c.post.nonce, reason);
        _expectSkipped(c.tipSigner, c.tip.nonce, reason);
        vm.expectEmit();
        emit IPennyPostRelayed.BatchSubmitted(relayer, 0, 0, 2, 0);
    }

    /// @dev Everything the case can touch: the poster's side and the tipper's side.
    function _caseLedger(PennyPost pp, Case memory c) internal view returns (Ledger[2] memory) {
        return [_ledger(pp, c.signer, alice), _ledger(pp, c.tipSigner, alice)];
    }

    function _assertCaseLedger(Ledger[2] memory actual, Ledger[2] memory expected, string memory what) internal pure {
        _assertLedger(actual[0], expected[0], string.concat(what, " (poster)"));
        _assertLedger(actual[1], expected[1], string.concat(what, " (tipper)"));
    }

    // ---------------------------------------------------------------- the digests

    /// @notice The contract's `hashPost`/`hashTip` equal the EIP-712 digests rebuilt from the
    /// interface's type strings and `eip712Domain()`: what wallets sign is what the contract checks.
    function testFuzz_digests_matchTheSpecifiedTypes(
        address author,
        uint256 parentId,
        string calldata content,
        uint256 amount,
        uint256 nonce,
        uint256 deadline
    ) public view {
        IPennyPostRelayed.SignedPost memory p =
            IPennyPostRelayed.SignedPost(author, parentId, content, amount, nonce, deadline, "");
        assertEq(
            uint256(pennyPost.hashPost(author, parentId, keccak256(bytes(content)), amount, nonce, deadline)),
            uint256(_postDigest(pennyPost, p)),
            "hashPost"
        );
        IPennyPostRelayed.SignedTip memory t =
            IPennyPostRelayed.SignedTip(author, parentId, alice, address(token), amount, nonce, deadline, "");
        assertEq(
            uint256(pennyPost.hashTip(author, parentId, alice, address(token), amount, nonce, deadline)),
            uint256(_tipDigest(pennyPost, t)),
            "hashTip"
        );
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = pennyPost.eip712Domain();
        assertEq(keccak256(bytes(name)) == keccak256("PennyPost"), true, "domain name");
        assertEq(keccak256(bytes(version)) == keccak256("1"), true, "domain version");
        assertEq(chainId, block.chainid, "domain chainId");
        assertEq(verifying, address(pennyPost), "domain verifyingContract");
    }

    // ---------------------------------------------------------------- replay on the same chain

    /// @notice The same signed post and tip submitted twice execute once: the second time both are
    /// skipped with PennyPostNonceMismatch and nothing moves.
    function testFuzz_replaySameChain_isSkipped(uint256 keySeed, uint256 lengthSeed, uint256 amountSeed) public {
        Case memory c = _case(keySeed, lengthSeed, amountSeed);
        _submitCase(c);
        assertTrue(_executed(c), "both executed the first time");
        assertEq(pennyPost.depositOf(c.signer, ETH), 0, "post fee debited");
        assertEq(pennyPost.depositOf(c.tipSigner, ETH), 0, "tip debited");

        Ledger[2] memory before = _caseLedger(pennyPost, c);
        _expectCaseSkipped(c, IPennyPostRelayed.PennyPostNonceMismatch.selector);
        _submitCase(c);
        _assertCaseLedger(_caseLedger(pennyPost, c), before, "replay");
    }

    // ---------------------------------------------------------------- another chain

    /// @notice Signatures made for this chain id are not the signer's on another chain id (a fork):
    /// skipped with PennyPostBadSignature, nothing moves; back on the signed chain they execute.
    function testFuzz_replayOtherChainId_isSkipped(
        uint256 keySeed,
        uint256 lengthSeed,
        uint256 amountSeed,
        uint64 otherChainId
    ) public {
        uint256 signedChainId = block.chainid;
        vm.assume(otherChainId != signedChainId);
        Case memory c = _case(keySeed, lengthSeed, amountSeed);
        vm.chainId(otherChainId);
        Ledger[2] memory before = _caseLedger(pennyPost, c);
        _expectCaseSkipped(c, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submitCase(c);
        _assertCaseLedger(_caseLedger(pennyPost, c), before, "other chain id");

        vm.chainId(signedChainId);
        _submitCase(c);
        assertTrue(_executed(c), "executes on the chain it was signed for");
    }

    // ---------------------------------------------------------------- another deployment

    /// @notice A signature for one PennyPost is refused by another deployment on the same chain, even
    /// where the signers have the same nonces and deposits.
    function testFuzz_replayOtherDeployment_isSkipped(uint256 keySeed, uint256 lengthSeed, uint256 amountSeed)
        public
    {
        PennyPost other = new PennyPost(owner, treasury, POST_FEE, TIP_FEE_BPS);
        vm.deal(alice, POST_FEE);
        vm.prank(alice);
        other.post{value: POST_FEE}(0, "alice's post on the other deployment");
        Case memory c = _case(keySeed, lengthSeed, amountSeed);
        _depositEth(other, c.signer, POST_FEE);
        _depositEth(other, c.tipSigner, c.tip.amount);

        Ledger[2] memory beforeOther = _caseLedger(other, c);
        Ledger[2] memory beforeThis = _caseLedger(pennyPost, c);
        vm.expectEmit(address(other));
        emit IPennyPostRelayed.ActionSkipped(c.signer, c.post.nonce, IPennyPostRelayed.PennyPostBadSignature.selector);
        vm.expectEmit(address(other));
        emit IPennyPostRelayed.ActionSkipped(c.tipSigner, c.tip.nonce, IPennyPostRelayed.PennyPostBadSignature.selector);
        vm.prank(relayer);
        other.submitBatch(_posts(c.post), _tips(c.tip));
        _assertCaseLedger(_caseLedger(other, c), beforeOther, "other deployment");
        _assertCaseLedger(_caseLedger(pennyPost, c), beforeThis, "signed deployment untouched");

        _submitCase(c);
        assertTrue(_executed(c), "executes in the deployment it was signed for");
    }

    // ---------------------------------------------------------------- deadline

    /// @notice At `deadline` the actions execute; at `deadline + 1` they are skipped with
    /// PennyPostExpired and nothing moves.
    function testFuzz_deadlineBoundary(uint256 keySeed, uint256 amountSeed, uint256 deadlineSeed, bool late) public {
        uint256 deadline = bound(deadlineSeed, block.timestamp, type(uint64).max);
        Case memory c = _case(keySeed, 42, amountSeed);
        c.post.deadline = deadline;
        c.tip.deadline = deadline;
        c.post = _signPost(pennyPost, c.pk, c.post);
        c.tip = _signTip(pennyPost, c.tipPk, c.tip);

        if (!late) {
            vm.warp(deadline);
            _submitCase(c);
            assertTrue(_executed(c), "both execute at the deadline");
            assertEq(pennyPost.owed(relayer, ETH), POST_FEE, "relayer credited at the deadline");
            return;
        }
        vm.warp(deadline + 1);
        Ledger[2] memory before = _caseLedger(pennyPost, c);
        _expectCaseSkipped(c, IPennyPostRelayed.PennyPostExpired.selector);
        _submitCase(c);
        _assertCaseLedger(_caseLedger(pennyPost, c), before, "deadline + 1");
    }

    // ---------------------------------------------------------------- malleability

    /// @notice The high-s twin of a valid signature (s' = n - s, v flipped) recovers the same signer
    /// with plain ecrecover, but is skipped with PennyPostBadSignature; the low-s original executes.
    function testFuzz_highS_isSkipped(uint256 keySeed, uint256 lengthSeed, uint256 amountSeed) public {
        Case memory c = _case(keySeed, lengthSeed, amountSeed);
        bytes memory lowPost = c.post.signature;
        bytes memory lowTip = c.tip.signature;
        c.post.signature = _malleate(lowPost);
        c.tip.signature = _malleate(lowTip);
        {
            (bytes32 r, bytes32 s, uint8 v) = _split(c.post.signature);
            assertEq(ecrecover(_postDigest(pennyPost, c.post), v, r, s), c.signer, "the post twin is the signer's");
            assertTrue(uint256(s) > SECP256K1_N / 2, "the twin is high-s");
            (r, s, v) = _split(c.tip.signature);
            assertEq(ecrecover(_tipDigest(pennyPost, c.tip), v, r, s), c.tipSigner, "the tip twin is the signer's");
        }

        Ledger[2] memory before = _caseLedger(pennyPost, c);
        _expectCaseSkipped(c, IPennyPostRelayed.PennyPostBadSignature.selector);
        _submitCase(c);
        _assertCaseLedger(_caseLedger(pennyPost, c), before, "high-s");

        c.post.signature = lowPost;
        c.tip.signature = lowTip;
        _submitCase(c);
        assertTrue(_executed(c), "the low-s originals execute");
    }
}
