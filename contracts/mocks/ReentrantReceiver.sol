// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPennyPost} from "../interfaces/IPennyPost.sol";

/// @notice Test double: an author contract that tries to re-enter PennyPost when paid ether.
contract ReentrantReceiver {
    IPennyPost public immutable pennyPost;
    bool public reentered;
    bytes public reentryError;

    constructor(IPennyPost pennyPost_) {
        pennyPost = pennyPost_;
    }

    function post(string calldata content) external payable returns (uint256) {
        return pennyPost.post{value: msg.value}(0, content);
    }

    function withdraw() external {
        pennyPost.withdraw(address(0));
    }

    receive() external payable {
        if (reentered) return;
        reentered = true;
        // A second withdrawal while the first is being paid must fail; remember how.
        try pennyPost.withdraw(address(0)) {} catch (bytes memory reason) {
            reentryError = reason;
        }
    }
}
