// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {VM_ADDRESS, Vm} from "./Vm.sol";

/// @notice Minimal test base: cheatcodes, assertions that show both values when they fail, `bound`,
/// and the invariant-target struct the fuzzer decodes from `targetSelectors()`.
abstract contract TestBase {
    /// @dev Shape of one entry of `targetSelectors()` (Foundry's IInvariantTest, which EDR uses).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    Vm internal constant vm = Vm(VM_ADDRESS);

    // ---------------------------------------------------------------- assertions

    function assertEq(uint256 actual, uint256 expected, string memory what) internal pure {
        if (actual != expected) {
            revert(
                string.concat(
                    what, ": expected ", Strings.toString(expected), ", got ", Strings.toString(actual)
                )
            );
        }
    }

    function assertEq(address actual, address expected, string memory what) internal pure {
        if (actual != expected) {
            revert(
                string.concat(
                    what, ": expected ", Strings.toHexString(expected), ", got ", Strings.toHexString(actual)
                )
            );
        }
    }

    function assertEq(bool actual, bool expected, string memory what) internal pure {
        if (actual != expected) {
            revert(string.concat(what, ": expected ", _str(expected), ", got ", _str(actual)));
        }
    }

    function assertEq(bytes memory actual, bytes memory expected, string memory what) internal pure {
        if (keccak256(actual) != keccak256(expected)) {
            revert(
                string.concat(
                    what, ": expected 0x", _hex(expected), ", got 0x", _hex(actual)
                )
            );
        }
    }

    function assertLe(uint256 actual, uint256 limit, string memory what) internal pure {
        if (actual > limit) {
            revert(string.concat(what, ": expected <= ", Strings.toString(limit), ", got ", Strings.toString(actual)));
        }
    }

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert(string.concat(what, ": expected true"));
    }

    // ---------------------------------------------------------------- fuzz helpers

    /// @notice Maps `x` into [min, max]. Like forge-std, values near 0 and near type(uint256).max map
    /// to the ends of the range, so the fuzzer's edge values stay edge values.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1; // cannot overflow: the full range returned above
        if (x <= 3 && size > x) return min + x;
        if (x >= type(uint256).max - 3 && size > type(uint256).max - x) return max - (type(uint256).max - x);
        if (x > max) return min + (x - max - 1) % size;
        return max - (min - x - 1) % size;
    }

    // ---------------------------------------------------------------- private

    function _str(bool b) private pure returns (string memory) {
        return b ? "true" : "false";
    }

    function _hex(bytes memory data) private pure returns (string memory) {
        bytes memory out = new bytes(data.length * 2);
        bytes16 digits = "0123456789abcdef";
        for (uint256 i; i < data.length; ++i) {
            out[2 * i] = digits[uint8(data[i]) >> 4];
            out[2 * i + 1] = digits[uint8(data[i]) & 0x0f];
        }
        return string(out);
    }
}
