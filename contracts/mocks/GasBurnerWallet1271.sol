// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test double: an ERC-1271 wallet whose `isValidSignature` burns all the gas it is given
/// (a griefing wallet: no relayer can get a "no" out of it).
contract GasBurnerWallet1271 {
    receive() external payable {}

    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        uint256 x;
        while (true) {
            x = uint256(keccak256(abi.encode(x)));
        }
        return bytes4(uint32(x));
    }
}
