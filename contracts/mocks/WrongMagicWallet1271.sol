// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test double: an ERC-1271 wallet that answers every `isValidSignature` with a value other
/// than the magic value 0x1626ba7e (here 0x1626ba7f), as a buggy or hostile wallet might.
contract WrongMagicWallet1271 {
    bytes4 public constant WRONG_MAGIC = 0x1626ba7f;

    receive() external payable {}

    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return WRONG_MAGIC;
    }
}
