// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../interfaces/IPennyPost.sol";

/// @notice Test double: an author contract that refuses ether, to show it blocks no one else.
contract RevertingReceiver {
    IPennyPost public immutable pennyPost;

    constructor(IPennyPost pennyPost_) {
        pennyPost = pennyPost_;
    }

    function post(string calldata content) external payable returns (uint256) {
        return pennyPost.post{value: msg.value}(0, content);
    }

    function withdraw() external {
        pennyPost.withdraw(address(0));
    }

    function withdrawTo(address to) external {
        pennyPost.withdrawTo(address(0), to);
    }

    receive() external payable {
        revert("RevertingReceiver: no ether");
    }
}
