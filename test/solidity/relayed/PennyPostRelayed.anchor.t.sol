// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IPennyPostRelayed} from "../../../contracts/interfaces/IPennyPostRelayed.sol";

import {RelayedFixture} from "./RelayedFixture.sol";

/// @notice Anchored batches: only sequencers anchor, counts are bounded, post ids are reserved, and
/// `verifyAnchoredPost` accepts exactly the leaves of the anchored tree. The trees are built here in
/// Solidity (sorted-pair keccak, leaves double-hashed as `anchoredLeaf` specifies, an odd node
/// promoted to the next level), independently of lib/relayed.ts.
contract PennyPostRelayedAnchorTest is RelayedFixture {
    struct Leaf {
        uint256 postId;
        address author;
        uint256 parentId;
        bytes32 contentHash;
    }

    // ---------------------------------------------------------------- Merkle tree (test side)

    /// @dev Leaves name the post's position in its batch, not its id.
    function _leafHash(uint256 index, Leaf memory l) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, l.author, l.parentId, l.contentHash))));
    }

    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @dev levels[0] are the leaf hashes in batch order; the last level holds the root.
    function _levels(Leaf[] memory leaves) internal pure returns (bytes32[][] memory levels) {
        uint256 depth = 1;
        for (uint256 n = leaves.length; n > 1; n = (n + 1) / 2) ++depth;
        levels = new bytes32[][](depth);
        levels[0] = new bytes32[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) levels[0][i] = _leafHash(i, leaves[i]);
        for (uint256 d = 1; d < depth; ++d) {
            bytes32[] memory below = levels[d - 1];
            bytes32[] memory level = new bytes32[]((below.length + 1) / 2);
            for (uint256 i; i < level.length; ++i) {
                level[i] = 2 * i + 1 < below.length ? _hashPair(below[2 * i], below[2 * i + 1]) : below[2 * i];
            }
            levels[d] = level;
        }
    }

    function _root(bytes32[][] memory levels) internal pure returns (bytes32) {
        return levels[levels.length - 1][0];
    }

    /// @dev The siblings of node `index` at level `from`, up to the root.
    function _proof(bytes32[][] memory levels, uint256 from, uint256 index) internal pure returns (bytes32[] memory) {
        bytes32[] memory siblings = new bytes32[](levels.length);
        uint256 n;
        for (uint256 d = from; d + 1 < levels.length; ++d) {
            uint256 sibling = index ^ 1;
            if (sibling < levels[d].length) siblings[n++] = levels[d][sibling];
            index /= 2;
        }
        assembly ("memory-safe") {
            mstore(siblings, n)
        }
        return siblings;
    }

    function _batch(uint256 seed, uint256 count, uint256 firstPostId) internal pure returns (Leaf[] memory leaves) {
        leaves = new Leaf[](count);
        for (uint256 i; i < count; ++i) {
            leaves[i] = Leaf({
                postId: firstPostId + i,
                author: address(uint160(uint256(keccak256(abi.encode(seed, i, "author"))))),
                parentId: uint256(keccak256(abi.encode(seed, i, "parent"))) % firstPostId,
                contentHash: keccak256(abi.encode(seed, i, "content"))
            });
        }
    }

    function _anchor(bytes32 root, uint256 count) internal returns (uint256 batchId) {
        vm.prank(sequencer);
        return pennyPost.anchorHash(root, count, keccak256(abi.encode(root)));
    }

    function _verify(uint256 batchId, Leaf memory l, bytes32[] memory proof) internal view returns (bool) {
        return pennyPost.verifyAnchoredPost(batchId, l.postId, l.author, l.parentId, l.contentHash, proof);
    }

    // ---------------------------------------------------------------- anchoring

    /// @notice `anchoredLeaf` is the double hash the interface specifies.
    function testFuzz_anchoredLeaf_isTheSpecifiedDoubleHash(Leaf memory l) public view {
        assertEq(
            uint256(pennyPost.anchoredLeaf(l.postId, l.author, l.parentId, l.contentHash)),
            uint256(_leafHash(l.postId, l)),
            "anchoredLeaf"
        );
    }

    /// @notice Only sequencers anchor (either flavour); only the owner makes sequencers.
    function testFuzz_anchor_onlySequencers(address caller) public {
        vm.assume(caller != sequencer);
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostNotSequencer.selector, caller));
        vm.prank(caller);
        pennyPost.anchor(bytes32(uint256(1)), 1, "data");
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostNotSequencer.selector, caller));
        vm.prank(caller);
        pennyPost.anchorHash(bytes32(uint256(1)), 1, bytes32(0));

        vm.assume(caller != owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, caller));
        vm.prank(caller);
        pennyPost.setSequencer(caller, true);

        vm.prank(owner);
        pennyPost.setSequencer(sequencer, false);
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostNotSequencer.selector, sequencer));
        vm.prank(sequencer);
        pennyPost.anchorHash(bytes32(uint256(1)), 1, bytes32(0));
        assertEq(pennyPost.anchorCount(), 0, "nothing anchored");
    }

    /// @notice Count 0 and count above MAX_ANCHOR_POSTS revert PennyPostBadAnchorCount; the maximum is
    /// accepted.
    function testFuzz_anchor_countBounds(uint256 tooMany) public {
        uint256 max = pennyPost.MAX_ANCHOR_POSTS();
        tooMany = bound(tooMany, max + 1, type(uint256).max);
        vm.startPrank(sequencer);
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostBadAnchorCount.selector, 0));
        pennyPost.anchor(bytes32(uint256(1)), 0, "");
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostBadAnchorCount.selector, tooMany));
        pennyPost.anchorHash(bytes32(uint256(1)), tooMany, bytes32(0));
        pennyPost.anchorHash(bytes32(uint256(1)), max, bytes32(0));
        vm.stopPrank();
        assertEq(pennyPost.postCount(), 1 + max, "the maximum reserved");
    }

    /// @notice An anchor reserves ids firstPostId..firstPostId + count - 1: the event says so, the
    /// next direct post and the next batched post get the ids after it.
    function testFuzz_anchor_reservesIds(uint256 count, bytes calldata data) public {
        count = bound(count, 1, 1000);
        bytes32 root = keccak256("root");
        vm.expectEmit();
        emit IPennyPostRelayed.Anchored(1, sequencer, root, 2, count, keccak256(data), data);
        vm.prank(sequencer);
        uint256 batchId = pennyPost.anchor(root, count, data);
        assertEq(batchId, 1, "first batch id");
        (bytes32 storedRoot, uint256 first, uint256 storedCount) = pennyPost.anchorOf(batchId);
        assertEq(uint256(storedRoot), uint256(root), "root");
        assertEq(first, 2, "firstPostId");
        assertEq(storedCount, count, "count");

        assertEq(_post(bob, "direct, after the anchor"), count + 2, "direct post gets the next id");
        _depositEth(pennyPost, bobSigner, POST_FEE);
        _submit(_posts(_signedPost(bobPk, 0, "batched, after the anchor", 0)), _noTips());
        assertEq(pennyPost.postCount(), count + 3, "batched post gets the id after");

        vm.expectEmit();
        emit IPennyPostRelayed.Anchored(2, sequencer, root, count + 4, 1, bytes32(uint256(7)), "");
        vm.prank(sequencer);
        pennyPost.anchorHash(root, 1, bytes32(uint256(7)));
        assertEq(pennyPost.anchorCount(), 2, "two batches");
    }

    /// @notice Unknown batch ids revert PennyPostUnknownBatch in both views.
    function test_unknownBatch_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostUnknownBatch.selector, 1));
        pennyPost.anchorOf(1);
        vm.expectRevert(abi.encodeWithSelector(IPennyPostRelayed.PennyPostUnknownBatch.selector, 0));
        pennyPost.verifyAnchoredPost(0, 1, alice, 0, bytes32(0), new bytes32[](0));
    }

    // ---------------------------------------------------------------- proofs

    /// @notice For trees of 1 to 8 leaves (contents fuzzed): every leaf verifies with its proof; a leaf
    /// with any one field forged does not; no internal node passes as a leaf.
    function testFuzz_proofs_everyLeafAndNoForgery(uint256 seed) public {
        for (uint256 count = 1; count <= 8; ++count) {
            uint256 first = pennyPost.postCount() + 1;
            Leaf[] memory leaves = _batch(seed, count, first);
            bytes32[][] memory levels = _levels(leaves);
            uint256 batchId = _anchor(_root(levels), count);
            for (uint256 i; i < count; ++i) {
                bytes32[] memory proof = _proof(levels, 0, i);
                Leaf memory l = leaves[i];
                assertTrue(_verify(batchId, l, proof), "every leaf verifies");

                Leaf memory forged = Leaf(l.postId, l.author, l.parentId, l.contentHash);
                forged.author = address(uint160(l.author) ^ 1);
                assertEq(_verify(batchId, forged, proof), false, "forged author");
                forged.author = l.author;
                forged.parentId = l.parentId + 1;
                assertEq(_verify(batchId, forged, proof), false, "forged parentId");
                forged.parentId = l.parentId;
                forged.contentHash = l.contentHash ^ bytes32(uint256(1));
                assertEq(_verify(batchId, forged, proof), false, "forged contentHash");
                forged.contentHash = l.contentHash;
                if (count > 1) {
                    forged.postId = first + (i + 1) % count; // another id of the same batch
                    assertEq(_verify(batchId, forged, proof), false, "forged postId");
                }
            }
            _assertNoInternalNodeIsALeaf(batchId, first, levels);
        }
    }

    /// @dev Each internal node N is proven in the tree from its level (OZ's verify says yes), yet the
    /// contract, which hashes fields into a leaf, accepts no fields built from N with that proof.
    function _assertNoInternalNodeIsALeaf(uint256 batchId, uint256 first, bytes32[][] memory levels) internal view {
        for (uint256 d = 1; d < levels.length; ++d) {
            for (uint256 i; i < levels[d].length; ++i) {
                bytes32 node = levels[d][i];
                bytes32[] memory proof = _proof(levels, d, i);
                assertTrue(MerkleProof.verify(proof, _root(levels), node), "the node is in the tree");
                assertEq(
                    _verify(batchId, Leaf(first, address(uint160(uint256(node))), uint256(node), node), proof),
                    false,
                    "an internal node does not pass as a leaf"
                );
                assertEq(_verify(batchId, Leaf(first, address(0), 0, node), proof), false, "node as contentHash");
            }
        }
    }

    /// @notice A proof for batch A is refused against batch B (B's root and range), and a tree over
    /// B's very ids whose root was never anchored proves nothing against B.
    function testFuzz_proofs_otherBatchRootFails(uint256 seed, uint8 countSeed) public {
        uint256 count = 1 + countSeed % 8;
        uint256 firstA = pennyPost.postCount() + 1;
        Leaf[] memory a = _batch(seed, count, firstA);
        bytes32[][] memory levelsA = _levels(a);
        uint256 batchA = _anchor(_root(levelsA), count);
        uint256 firstB = pennyPost.postCount() + 1;
        bytes32[][] memory levelsB = _levels(_batch(seed ^ 1, count, firstB));
        uint256 batchB = _anchor(_root(levelsB), count);
        Leaf[] memory unanchored = _batch(seed ^ 2, count, firstB);
        bytes32[][] memory levelsU = _levels(unanchored);

        for (uint256 i; i < count; ++i) {
            assertTrue(_verify(batchA, a[i], _proof(levelsA, 0, i)), "valid in its own batch");
            assertEq(_verify(batchB, a[i], _proof(levelsA, 0, i)), false, "A's proof against B");
            assertTrue(MerkleProof.verify(_proof(levelsU, 0, i), _root(levelsU), levelsU[0][i]), "valid tree");
            assertEq(_verify(batchB, unanchored[i], _proof(levelsU, 0, i)), false, "unanchored root against B");
        }
    }

    /// @notice A leaf's valid proof is refused for any post id outside the batch's reserved range
    /// (before it or after it, fuzzed), and accepted for the id at its position.
    function testFuzz_proofs_postIdOutsideRangeFails(uint256 seed, uint8 countSeed, uint256 offset, bool before)
        public
    {
        uint256 count = 1 + countSeed % 8;
        _post(bob, "so that ids before the batch exist");
        uint256 first = pennyPost.postCount() + 1; // 3
        Leaf[] memory leaves = _batch(seed, count, first);
        bytes32[][] memory levels = _levels(leaves);
        uint256 batchId = _anchor(_root(levels), count);
        uint256 outside = before ? bound(offset, 0, first - 1) : bound(offset, first + count, type(uint256).max);
        for (uint256 i; i < count; ++i) {
            Leaf memory l = leaves[i];
            bytes32[] memory proof = _proof(levels, 0, i);
            assertTrue(MerkleProof.verify(proof, _root(levels), levels[0][i]), "the proof is valid for the root");
            assertTrue(_verify(batchId, l, proof), "the id at the leaf's position verifies");
            l.postId = outside;
            assertEq(_verify(batchId, l, proof), false, "an id outside the batch never verifies");
        }
    }
}
