// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice `settleAnchoredFees`: one signed newest AnchoredPost per author pays its posting fees up to
/// a cumulative amount, once; replays, lower cumulatives, short deposits, capped session keys and
/// bad signatures are skipped; only sequencers settle.
contract PennyPostRelayedAnchoredFeesTest is RelayedFixture {
    function setUp() public override {
        super.setUp();
        _depositEth(pennyPost, bobSigner, 1 ether);
    }

    /// @dev A signed fee item for a post anchored alone in a batch of one (the root is the leaf, the
    /// proof is empty).
    function _fee(uint256 pk, address author, uint256 seq, uint256 cumulativeFee)
        internal
        returns (IPennyPostRelayed.AnchoredFee memory f)
    {
        f = _unanchoredFee(pk, author, seq, cumulativeFee);
        bytes32 leaf = pennyPost.anchoredLeaf(0, author, 0, f.contentHash); // before the prank: a call would take it
        vm.prank(sequencer);
        f.batchId = pennyPost.anchorHash(leaf, 1, bytes32(seq));
    }

    /// @dev As `_fee`, for a post that was signed but never anchored (batch 0 does not exist).
    function _unanchoredFee(uint256 pk, address author, uint256 seq, uint256 cumulativeFee)
        internal
        returns (IPennyPostRelayed.AnchoredFee memory f)
    {
        f = IPennyPostRelayed.AnchoredFee({
            author: author,
            parentId: 0,
            contentHash: keccak256(abi.encode("anchored post", seq)),
            seq: seq,
            cumulativeFee: cumulativeFee,
            signature: "",
            batchId: 0,
            index: 0,
            proof: new bytes32[](0)
        });
        f.signature = _sign(pk, _anchoredDigest(pennyPost, f));
    }

    function _settle(IPennyPostRelayed.AnchoredFee memory f) internal {
        IPennyPostRelayed.AnchoredFee[] memory fees = new IPennyPostRelayed.AnchoredFee[](1);
        fees[0] = f;
        vm.prank(sequencer);
        pennyPost.settleAnchoredFees(fees);
    }

    /// @notice Settling up to seq n pays cumulativeFee once, to the sequencer; the same settlement again
    /// and any lower cumulative are skipped with PennyPostFeeAlreadySettled; a higher one pays exactly
    /// the difference.
    function testFuzz_settle_paysOnceThenDifference(uint256 n, uint256 lower, uint256 more) public {
        n = bound(n, 1, 10_000);
        uint256 cumulative = n * POST_FEE;
        IPennyPostRelayed.AnchoredFee memory f = _fee(bobPk, bobSigner, n, cumulative);
        vm.expectEmit();
        emit IPennyPostRelayed.AnchoredFeesSettled(bobSigner, sequencer, n, cumulative, cumulative);
        _settle(f);
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), cumulative, "paid up to seq n");
        assertEq(pennyPost.owed(sequencer, ETH), cumulative, "sequencer credited");
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether - cumulative, "deposit debited");

        lower = bound(lower, 0, cumulative);
        IPennyPostRelayed.AnchoredFee memory stale = _fee(bobPk, bobSigner, n - 1, lower);
        Ledger memory before = _ledger(pennyPost, bobSigner, sequencer);
        _expectSkipped(bobSigner, n, IPennyPostRelayed.PennyPostFeeAlreadySettled.selector);
        _settle(f);
        _expectSkipped(bobSigner, n - 1, IPennyPostRelayed.PennyPostFeeAlreadySettled.selector);
        _settle(stale);
        _assertLedger(_ledger(pennyPost, bobSigner, sequencer), before, "replay and lower cumulative");

        more = bound(more, 1, 1 ether - cumulative);
        _settle(_fee(bobPk, bobSigner, n + 1, cumulative + more));
        assertEq(pennyPost.owed(sequencer, ETH), cumulative + more, "the difference, exactly");
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether - cumulative - more, "deposit");
    }

    /// @notice A cumulative beyond the deposit is skipped with PennyPostInsufficientDeposit.
    function testFuzz_settle_insufficientDeposit(uint256 cumulative) public {
        cumulative = bound(cumulative, 1 ether + 1, 1e30);
        IPennyPostRelayed.AnchoredFee memory f = _fee(bobPk, bobSigner, 7, cumulative);
        Ledger memory before = _ledger(pennyPost, bobSigner, sequencer);
        _expectSkipped(bobSigner, 7, IPennyPostRelayed.PennyPostInsufficientDeposit.selector);
        _settle(f);
        _assertLedger(_ledger(pennyPost, bobSigner, sequencer), before, "insufficient deposit");
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), 0, "nothing paid");
    }

    /// @notice A session key pays within its cap; over it the settlement is skipped with
    /// PennyPostSessionCapExceeded.
    function test_settle_sessionKeyCap() public {
        uint256 keyPk = 0x5E55;
        vm.prank(bobSigner);
        pennyPost.authorizeSession(vm.addr(keyPk), ETH, 5 * POST_FEE, block.timestamp + 1 days);
        _settle(_fee(keyPk, bobSigner, 3, 3 * POST_FEE));
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), 3 * POST_FEE, "within the cap");

        IPennyPostRelayed.AnchoredFee memory over = _fee(keyPk, bobSigner, 6, 6 * POST_FEE);
        Ledger memory before = _ledger(pennyPost, bobSigner, sequencer);
        _expectSkipped(bobSigner, 6, IPennyPostRelayed.PennyPostSessionCapExceeded.selector);
        _settle(over); // 3 more fees, 2 left in the cap
        _assertLedger(_ledger(pennyPost, bobSigner, sequencer), before, "over the cap");

        _settle(_fee(keyPk, bobSigner, 5, 5 * POST_FEE));
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), 5 * POST_FEE, "up to the cap exactly");
    }

    /// @notice Someone else's signature is skipped with PennyPostBadSignature; the other items of the
    /// call still settle.
    function testFuzz_settle_badSignatureAmongGood(uint256 wrongSeed) public {
        uint256 wrongPk = _key(wrongSeed);
        vm.assume(wrongPk != bobPk);
        _depositEth(pennyPost, tipper, 1 ether);
        IPennyPostRelayed.AnchoredFee[] memory fees = new IPennyPostRelayed.AnchoredFee[](2);
        fees[0] = _fee(wrongPk, bobSigner, 1, POST_FEE);
        fees[1] = _fee(tipperPk, tipper, 2, 2 * POST_FEE);
        _expectSkipped(bobSigner, 1, IPennyPostRelayed.PennyPostBadSignature.selector);
        vm.prank(sequencer);
        pennyPost.settleAnchoredFees(fees);
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether, "forged item paid nothing");
        assertEq(pennyPost.owed(sequencer, ETH), 2 * POST_FEE, "the good item settled");
    }

    /// @notice A fee for a post that was never anchored is skipped with PennyPostNotAnchored, whatever
    /// the sequencer presents: no batch, a batch that holds another post, the right batch at another
    /// position, or another author's leaf; the deposit is untouched. (issue 16, item 3)
    function test_settle_unanchoredPostIsSkipped() public {
        IPennyPostRelayed.AnchoredFee memory other = _fee(tipperPk, tipper, 1, POST_FEE);
        IPennyPostRelayed.AnchoredFee memory f = _unanchoredFee(bobPk, bobSigner, 4, 4 * POST_FEE);
        IPennyPostRelayed.AnchoredFee memory anchored = _fee(bobPk, bobSigner, 5, 5 * POST_FEE);
        Ledger memory before = _ledger(pennyPost, bobSigner, sequencer);
        _expectSkipped(bobSigner, 4, IPennyPostRelayed.PennyPostNotAnchored.selector);
        _settle(f);
        f.batchId = other.batchId; // a real batch, holding another author's post
        _expectSkipped(bobSigner, 4, IPennyPostRelayed.PennyPostNotAnchored.selector);
        _settle(f);
        f.batchId = 999; // no such batch
        _expectSkipped(bobSigner, 4, IPennyPostRelayed.PennyPostNotAnchored.selector);
        _settle(f);
        anchored.index = 1; // the right batch, a position past its count
        _expectSkipped(bobSigner, 5, IPennyPostRelayed.PennyPostNotAnchored.selector);
        _settle(anchored);
        _assertLedger(_ledger(pennyPost, bobSigner, sequencer), before, "unanchored posts pay nothing");
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), 0, "nothing paid");

        anchored.index = 0;
        _settle(anchored);
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), 5 * POST_FEE, "the anchored post settles");
    }

    /// @notice The bound of the published-post rule, pinned: the leaf carries no seq, so when an author
    /// signed two posts with the same parent and text (seq 1, then seq 2) and only the first was
    /// anchored, the seq-2 signature settles against the seq-1 leaf. What is taken is still what the
    /// author signed (its cumulative fee at seq 2), never more, and only once.
    function test_settle_boundWhenTwoSignedPostsShareALeaf() public {
        IPennyPostRelayed.AnchoredFee memory first = _fee(bobPk, bobSigner, 1, POST_FEE); // anchored
        IPennyPostRelayed.AnchoredFee memory second = _unanchoredFee(bobPk, bobSigner, 2, 2 * POST_FEE);
        second.contentHash = first.contentHash; // the same text, signed again at seq 2, never anchored
        second.signature = _sign(bobPk, _anchoredDigest(pennyPost, second));
        second.batchId = first.batchId; // first's leaf: same index, author, parent and content
        _settle(second);
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), 2 * POST_FEE, "the larger cumulative fee the author signed");
        assertEq(pennyPost.depositOf(bobSigner, ETH), 1 ether - 2 * POST_FEE, "no more than that");
        IPennyPostRelayed.AnchoredFee memory again = second;
        _expectSkipped(bobSigner, 2, IPennyPostRelayed.PennyPostFeeAlreadySettled.selector);
        _settle(again);
        second.contentHash = keccak256("other text"); // a different text is another leaf: refused
        second.cumulativeFee = 3 * POST_FEE;
        second.signature = _sign(bobPk, _anchoredDigest(pennyPost, second));
        _expectSkipped(bobSigner, 2, IPennyPostRelayed.PennyPostNotAnchored.selector);
        _settle(second);
    }

    /// @notice A post in a two-leaf batch settles with its sibling as the proof.
    function test_settle_proofInALargerBatch() public {
        IPennyPostRelayed.AnchoredFee memory f = _fee(bobPk, bobSigner, 2, 2 * POST_FEE);
        bytes32 sibling = pennyPost.anchoredLeaf(0, tipper, 0, keccak256("first"));
        bytes32 leaf = pennyPost.anchoredLeaf(1, bobSigner, 0, f.contentHash);
        bytes32 root = sibling < leaf ? keccak256(abi.encode(sibling, leaf)) : keccak256(abi.encode(leaf, sibling));
        vm.prank(sequencer);
        f.batchId = pennyPost.anchorHash(root, 2, bytes32(0));
        f.index = 1;
        f.proof = new bytes32[](1);
        f.proof[0] = sibling;
        _settle(f);
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), 2 * POST_FEE, "settled");
    }

    /// @notice Only sequencers settle.
    function testFuzz_settle_onlySequencers(address caller) public {
        vm.assume(caller != sequencer);
        IPennyPostRelayed.AnchoredFee[] memory fees = new IPennyPostRelayed.AnchoredFee[](1);
        fees[0] = _fee(bobPk, bobSigner, 1, POST_FEE);
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostNotSequencer.selector, caller));
        vm.prank(caller);
        pennyPost.settleAnchoredFees(fees);
        assertEq(pennyPost.anchoredFeesPaid(bobSigner), 0, "nothing paid");
    }
}
