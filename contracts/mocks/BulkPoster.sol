// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../interfaces/IPennyPost.sol";

/// @notice Load generator for the indexer benchmark: many posts and tips in one transaction, so a
/// chain with tens of thousands of events can be built in seconds. Not part of the protocol.
contract BulkPoster {
    /// @notice Publishes `count` posts of `content`, paying `fee` each from `msg.value`.
    function postMany(IPennyPost pennyPost, uint256 count, uint256 fee, string calldata content) external payable {
        for (uint256 i = 0; i < count; i++) {
            pennyPost.post{value: fee}(0, content);
        }
    }

    /// @notice Tips posts `firstPost`..`firstPost + count - 1` with `amount` wei each.
    function tipMany(IPennyPost pennyPost, uint256 firstPost, uint256 count, uint256 amount) external payable {
        for (uint256 i = 0; i < count; i++) {
            pennyPost.tip{value: amount}(firstPost + i);
        }
    }
}
