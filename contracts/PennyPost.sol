// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {PennyPostDirect} from "./PennyPostDirect.sol";
import {PennyPostRelayed} from "./PennyPostRelayed.sol";

/// @title PennyPost: every post a paid microtransaction, every tip a pull payment
/// @notice One ledger, five write modes. Direct posts and tips ({IPennyPost}, in {PennyPostDirect});
/// batched signed actions, Merkle-anchored batches and cumulative tip vouchers paid from deposits
/// ({IPennyPostRelayed}, in {PennyPostRelayed}).
contract PennyPost is PennyPostRelayed {
    constructor(address initialOwner, address treasury_, uint256 postFee_, uint256 tipFeeBps_)
        PennyPostDirect(postFee_, tipFeeBps_, treasury_)
        Ownable(initialOwner)
    {}
}
