// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice Test double: an ERC-1271 smart wallet owned by one key. A signature is valid when the
/// owner's key signed the digest itself. Its check spends at least `checkGas` gas first (0 for a
/// cheap wallet; e.g. 100,000 to stand for a multisig that checks many signers). It can also call any
/// contract as itself (to deposit, authorize sessions, withdraw), like a real smart account.
contract OwnedWallet1271 is IERC1271 {
    address public immutable walletOwner;
    uint256 public immutable checkGas;

    error OwnedWallet1271NotOwner(address caller);

    constructor(address walletOwner_, uint256 checkGas_) {
        walletOwner = walletOwner_;
        checkGas = checkGas_;
    }

    receive() external payable {}

    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4) {
        uint256 start = gasleft();
        while (start - gasleft() < checkGas) {}
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && signer == walletOwner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }

    /// @notice Calls `target` with `data` and `value` as the wallet; owner only.
    function execute(address target, uint256 value, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != walletOwner) revert OwnedWallet1271NotOwner(msg.sender);
        (bool ok, bytes memory result) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result;
    }
}
