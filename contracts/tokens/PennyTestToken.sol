// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title PennyPost Test Token: a demo ERC-20 with EIP-2612 permit, FOR LOCAL TESTING ONLY
/// @notice Worthless by design. The deployment module mints it to the local test accounts; anyone
/// can mint more with `faucet`, so it must never be treated as money.
contract PennyTestToken is ERC20, ERC20Permit {
    /// @notice Most a single `faucet` call can mint.
    uint256 public constant FAUCET_LIMIT = 1_000_000e18;

    /// @notice `faucet` was asked for `amount`, more than FAUCET_LIMIT.
    error PennyTestTokenFaucetLimit(uint256 amount, uint256 limit);

    constructor() ERC20("PennyPost Test Token (no value)", "PPTEST") ERC20Permit("PennyPost Test Token (no value)") {}

    /// @notice Mints `amount` to `to`. Open to anyone: this token is for local testing only.
    function faucet(address to, uint256 amount) external {
        if (amount > FAUCET_LIMIT) revert PennyTestTokenFaucetLimit(amount, FAUCET_LIMIT);
        _mint(to, amount);
    }
}
