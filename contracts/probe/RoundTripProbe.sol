// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IProbeERC20 {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
}

interface IProbePairV2 {
    function token0() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
}

interface IProbeRouterV2 {
    function getAmountsOut(uint256 amountIn, address[] calldata path) external view returns (uint256[] memory);

    function swapExactETHForTokensSupportingFeeOnTransferTokens(
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external payable;

    function swapExactTokensForETHSupportingFeeOnTransferTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external;
}

/// @notice QuoterV2's single-pool quote (it runs the pool's swap and reverts it: exact, ticks included).
interface IProbeQuoterV2 {
    struct QuoteExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint256 amountIn;
        uint24 fee;
        uint160 sqrtPriceLimitX96;
    }

    function quoteExactInputSingle(QuoteExactInputSingleParams memory params)
        external
        returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate);
}

/// @notice A second wallet created inside the simulation: tokens go to it and come back, which exposes
/// wallet-to-wallet transfer blocks, blacklists, wallet caps and transfer taxes.
contract ProbeWallet {
    error TransferReturnedFalse();

    function sendBack(address token) external {
        uint256 amount = IProbeERC20(token).balanceOf(address(this));
        (bool ok, bytes memory ret) = token.call(abi.encodeCall(IProbeERC20.transfer, (msg.sender, amount)));
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        if (ret.length >= 32 && abi.decode(ret, (uint256)) == 0) revert TransferReturnedFalse();
    }
}

/// @notice Buy → transfer out and back → sell round trip of one token against a Uniswap V2 router or a V3
/// pool (through the chain's V3 router, quoted by QuoterV2), run entirely inside ONE eth_call. The RUNTIME code is injected at an unused address through the call's state
/// override (with an ETH balance), so there is no constructor and nothing here may be immutable. Nothing
/// persists: eth_call never commits.
///
/// Where the node has eth_simulateV1, the same round trip runs as three calls in three consecutive simulated
/// blocks (`probeStep` around the same `probe` call): buy, transfer out, transfer back and sell — the way
/// real holders trade, with the ladder in a plain call of its own beside them, so a token
/// that lets a wallet receive only once per block is not mistaken for one that blocks transfers. The only
/// state carried between the steps is the second wallet's address (and, of course, the balances).
///
/// Every stage runs as a low-level call with its own gas cap and records what happened (status, gas,
/// amounts measured as balance differences, raw revert data) instead of reverting, so one hostile token
/// cannot hide the other stages. Stages that must not affect the rest (the direct transfer to the pair, the
/// ladder of larger buys, failure diagnostics) run in a sub-call to this contract that always reverts and
/// carries its result out in the revert data.
///
/// V3 swaps run the very router calls the live trader sends (built off-chain for the chain's router
/// generation: exactInputSingle with refundETH for a buy, with unwrapWETH9 for a sell, in one multicall,
/// recipient this contract); the probe writes each stage's amount into the call at `buyAt`/`sellAt`.
contract RoundTripProbe {
    struct V3Route {
        address router;
        address quoter;
        uint256 fee; // a V3 fee tier (uint24 in the pool; kept wide here)
        bytes buyCall;
        uint256 buyAt;
        bytes sellCall;
        uint256 sellAt;
    }

    struct Target {
        address router;
        address weth;
        address token;
        address pair; // the V2 pair, or the V3 pool
        address wallet;
        uint256 stageGas;
        bool v3;
        address quoter;
        uint256 fee;
        bytes buyCall;
        uint256 buyAt;
        bytes sellCall;
        uint256 sellAt;
    }

    struct Stage {
        uint8 status;
        uint256 gasUsed;
        uint256 gasCap;
        uint256 amountIn;
        uint256 amountOut;
        uint256 delivered;
        bytes revertData;
        bytes tokenRevertData;
    }

    uint8 internal constant NOT_RUN = 0;
    uint8 internal constant OK = 1;
    uint8 internal constant REVERTED = 2;
    uint8 internal constant NO_GAS = 3; // the call's remaining gas could not cover the stage cap
    uint8 internal constant NO_FUNDS = 4; // the probe had too little ETH (balance override ignored?)

    uint256 internal constant BUY_QUOTE = 0;
    uint256 internal constant BUY = 1;
    uint256 internal constant TRANSFER_OUT = 2;
    uint256 internal constant TRANSFER_BACK = 3;
    uint256 internal constant PAIR_TRANSFER = 4;
    uint256 internal constant SELL_QUOTE = 5;
    uint256 internal constant SELL = 6;
    uint256 internal constant MAIN_STAGES = 7;

    /// Gas kept back at every level so the results can always be encoded and returned.
    uint256 internal constant RESERVE_GAS = 100_000;
    /// First word of an isolated sub-call's revert data: "this is a result, not a failure".
    bytes32 internal constant RESULT_TAG = keccak256("dexbot.probe.result");

    uint8 internal constant ALL_STEPS = 0; // the whole round trip in one call, ladder included
    uint8 internal constant BUY_STEP = 1; // buy quote, buy
    uint8 internal constant OUT_STEP = 2; // transfer to the second wallet
    uint8 internal constant BACK_STEP = 3; // the second wallet sends it back, then the sell (sells are free)
    uint8 internal constant SELL_STEP = 4; // direct transfer to the pair (rolled back), sell quote, sell
    uint8 internal constant LADDER_STEP = 5; // the ladder alone (each rung on the untouched pool)

    /// The step `probeStep` runs, and the second wallet the buy step created for the later ones: the only
    /// storage, used by steps alone (a plain `probe` call sees ALL_STEPS).
    uint8 internal currentStep;
    address internal stepWallet;

    error OnlySelf();
    error AmountOutsideCall();

    receive() external payable {}

    /// @notice Runs the ladder (each rung isolated, on the untouched pool), then the round trip proper.
    /// `main` is indexed by the stage constants above; `ladder[i]` is the buy of `ladderWei[i]`.
    function probe(
        address router,
        address weth,
        address token,
        address pair,
        uint256 buyWei,
        uint256[] calldata ladderWei,
        uint256 stageGas
    ) external returns (Stage[] memory main, Stage[] memory ladder) {
        Target memory t;
        (t.router, t.weth, t.token, t.pair, t.stageGas) = (router, weth, token, pair, stageGas);
        return _run(t, buyWei, ladderWei);
    }

    /// @notice The same round trip on a V3 pool: `route` names the router, QuoterV2, the fee tier and the
    /// router calls to send.
    function probeV3(
        V3Route calldata route,
        address weth,
        address token,
        address pool,
        uint256 buyWei,
        uint256[] calldata ladderWei,
        uint256 stageGas
    ) external returns (Stage[] memory main, Stage[] memory ladder) {
        Target memory t;
        (t.router, t.weth, t.token, t.pair, t.stageGas) = (route.router, weth, token, pool, stageGas);
        (t.v3, t.quoter, t.fee) = (true, route.quoter, route.fee);
        (t.buyCall, t.buyAt, t.sellCall, t.sellAt) = (route.buyCall, route.buyAt, route.sellCall, route.sellAt);
        return _run(t, buyWei, ladderWei);
    }

    /// @notice Runs `probeCall` (this contract's `probe` or `probeV3` call) as only its `step` (BUY_STEP …
    /// LADDER_STEP), each meant for its own block; the stages of other steps come back NOT_RUN. BACK_STEP
    /// goes on to the sell: a sell into a pair meets no once-per-block rule, and a block less is faster.
    function probeStep(uint8 step, bytes calldata probeCall) external {
        currentStep = step;
        (bool ok, bytes memory ret) = address(this).call(probeCall);
        currentStep = ALL_STEPS;
        assembly {
            switch ok
            case 0 { revert(add(ret, 32), mload(ret)) }
            default { return(add(ret, 32), mload(ret)) }
        }
    }

    function _run(Target memory t, uint256 buyWei, uint256[] calldata ladderWei)
        internal
        returns (Stage[] memory main, Stage[] memory ladder)
    {
        uint8 step = currentStep;
        ladder = new Stage[](ladderWei.length);
        main = new Stage[](MAIN_STAGES);
        if (step <= BUY_STEP || step == LADDER_STEP) {
            t.wallet = address(new ProbeWallet());
            stepWallet = t.wallet;
            if (step != BUY_STEP) {
                for (uint256 i = 0; i < ladderWei.length; i++) {
                    ladder[i] = _isolated(abi.encodeCall(this.ladderRung, (t, ladderWei[i])));
                }
            }
            if (step == LADDER_STEP) return (main, ladder);
            (main[BUY_QUOTE], main[BUY]) = _buy(t, buyWei);
            if (step == BUY_STEP || main[BUY].status != OK) return (main, ladder);
        } else {
            t.wallet = stepWallet;
        }
        uint256 held = _balance(t.token, address(this));
        if (step == OUT_STEP || step == ALL_STEPS) {
            if (held == 0) return (main, ladder);
            main[TRANSFER_OUT] = _transfer(t, t.wallet, held / 2);
            if (step == OUT_STEP) return (main, ladder);
        }
        bool sentOut = step == ALL_STEPS ? main[TRANSFER_OUT].status == OK : _balance(t.token, t.wallet) > 0;
        if ((step == BACK_STEP || step == ALL_STEPS) && sentOut) main[TRANSFER_BACK] = _sendBack(t);
        held = _balance(t.token, address(this));
        if (held == 0) return (main, ladder);

        uint256 small = held / 100 == 0 ? 1 : held / 100;
        main[PAIR_TRANSFER] = _isolated(abi.encodeCall(this.isolatedTransfer, (t, t.pair, small)));
        (main[SELL_QUOTE], main[SELL]) = _sell(t, held);
    }

    /// @notice One ladder rung: a buy of `amount` wei whose effects are rolled back.
    function ladderRung(Target calldata t, uint256 amount) external {
        if (msg.sender != address(this)) revert OnlySelf();
        (Stage memory quote, Stage memory buy) = _buy(t, amount);
        _revertWith(quote.status == OK ? buy : quote);
    }

    /// @notice What a V2 pair credits a seller sending it `amount`, rolled back: the pair's balance above
    /// its reserve right after the transfer (`delivered`). A token that sells its own fees into the pair
    /// during the seller's transfer syncs the reserve first, so this counts only the seller's tokens, where
    /// the pair's balance difference over the whole sell would count the token's sale as well.
    function isolatedPairCredit(Target calldata t, uint256 amount) external {
        if (msg.sender != address(this)) revert OnlySelf();
        Stage memory s = _transfer(t, t.pair, amount);
        (bool known, uint256 reserve) = _reserveOf(t.pair, t.token);
        if (!known) s.status = NOT_RUN; // not a V2 pair after all: nothing to tell
        else if (s.status == OK) s.delivered = _minus(_balance(t.token, t.pair), reserve);
        _revertWith(s);
    }

    /// @notice A transfer whose effects are rolled back: shows whether, and why, the token refuses it.
    function isolatedTransfer(Target calldata t, address to, uint256 amount) external {
        if (msg.sender != address(this)) revert OnlySelf();
        _revertWith(_transfer(t, to, amount));
    }

    function _buy(Target memory t, uint256 amount) internal returns (Stage memory quote, Stage memory buy) {
        address[] memory path = _path(t.weth, t.token);
        quote = t.v3 ? _quoteV3(t, t.weth, t.token, amount) : _quote(t, amount, path);
        if (quote.status == REVERTED && t.v3) {
            // QuoterV2 runs the pool's real swap, so the token's own checks can fail the quote (the pool
            // then only says 'TF'); a direct transfer of about as many tokens shows the token's reason.
            quote.tokenRevertData = _diagnose(t, t.wallet, _tokensFor(t, amount));
        }
        if (quote.status != OK) return (quote, buy);
        if (address(this).balance < amount) {
            buy.status = NO_FUNDS;
            return (quote, buy);
        }
        uint256 heldBefore = _balance(t.token, address(this));
        uint256 pairBefore = _balance(t.token, t.pair);
        uint256 ethBefore = address(this).balance;
        bytes memory swap = t.v3
            ? _withAmount(t.buyCall, t.buyAt, amount)
            : abi.encodeCall(
                IProbeRouterV2.swapExactETHForTokensSupportingFeeOnTransferTokens,
                (0, path, address(this), block.timestamp)
            );
        (buy,) = _call(t.router, amount, swap, t.stageGas);
        buy.amountIn = _minus(ethBefore, address(this).balance);
        buy.amountOut = _minus(_balance(t.token, address(this)), heldBefore);
        buy.delivered = _minus(pairBefore, _balance(t.token, t.pair));
        if (buy.status == REVERTED) buy.tokenRevertData = _diagnose(t, t.wallet, quote.amountOut);
    }

    function _sell(Target memory t, uint256 amount) internal returns (Stage memory quote, Stage memory sell) {
        address[] memory path = _path(t.token, t.weth);
        quote = t.v3 ? _quoteV3(t, t.token, t.weth, amount) : _quote(t, amount, path);
        (sell,) = _call(t.token, 0, abi.encodeCall(IProbeERC20.approve, (t.router, amount)), t.stageGas);
        if (sell.status != OK) return (quote, sell);
        Stage memory credit;
        if (!t.v3) credit = _isolated(abi.encodeCall(this.isolatedPairCredit, (t, amount)));
        uint256 heldBefore = _balance(t.token, address(this));
        uint256 pairBefore = _balance(t.token, t.pair);
        uint256 ethBefore = address(this).balance;
        bytes memory swap = t.v3
            ? _withAmount(t.sellCall, t.sellAt, amount)
            : abi.encodeCall(
                IProbeRouterV2.swapExactTokensForETHSupportingFeeOnTransferTokens,
                (amount, 0, path, address(this), block.timestamp)
            );
        (sell,) = _call(t.router, 0, swap, t.stageGas);
        sell.amountIn = _minus(heldBefore, _balance(t.token, address(this)));
        sell.amountOut = _minus(address(this).balance, ethBefore);
        sell.delivered = _minus(_balance(t.token, t.pair), pairBefore);
        if (credit.status == OK) sell.delivered = credit.delivered;
        if (sell.status == REVERTED) sell.tokenRevertData = _diagnose(t, t.pair, amount);
    }

    function _quote(Target memory t, uint256 amount, address[] memory path) internal returns (Stage memory s) {
        bytes memory ret;
        (s, ret) = _call(t.router, 0, abi.encodeCall(IProbeRouterV2.getAmountsOut, (amount, path)), t.stageGas);
        s.amountIn = amount;
        if (s.status != OK) return s;
        if (ret.length < 128) {
            s.status = REVERTED;
            s.revertData = ret;
            return s;
        }
        uint256[] memory amounts = abi.decode(ret, (uint256[]));
        s.amountOut = amounts[amounts.length - 1];
    }

    function _quoteV3(Target memory t, address tokenIn, address tokenOut, uint256 amount)
        internal
        returns (Stage memory s)
    {
        IProbeQuoterV2.QuoteExactInputSingleParams memory q =
            IProbeQuoterV2.QuoteExactInputSingleParams(tokenIn, tokenOut, amount, uint24(t.fee), 0);
        bytes memory ret;
        (s, ret) = _call(t.quoter, 0, abi.encodeCall(IProbeQuoterV2.quoteExactInputSingle, (q)), t.stageGas);
        s.amountIn = amount;
        if (s.status != OK) return s;
        if (ret.length < 128) {
            s.status = REVERTED;
            s.revertData = ret;
            return s;
        }
        s.amountOut = abi.decode(ret, (uint256));
    }

    /// @dev About how many tokens `weth` buys at the V3 pool's current price (no impact, no fee): an upper
    /// bound on what the swap delivers. Amounts are far below 2**96 wei; the products stay in 256 bits.
    function _tokensFor(Target memory t, uint256 weth) internal view returns (uint256) {
        (bool ok, bytes memory ret) = t.pair.staticcall(abi.encodeWithSignature("slot0()"));
        if (!ok || ret.length < 32 || weth >= 2 ** 96) return 0;
        uint256 sp = abi.decode(ret, (uint256));
        if (sp == 0) return 0;
        if (t.token < t.weth) return (weth * 2 ** 96 / sp) * 2 ** 96 / sp; // price = WETH per token
        uint256 r = weth * sp / 2 ** 96; // price = tokens per WETH
        return (r / 2 ** 96) * sp + (r % 2 ** 96) * sp / 2 ** 96;
    }

    /// @dev `data` with the 32-byte word at byte `offset` set to `amount` (the router call's amountIn).
    function _withAmount(bytes memory data, uint256 offset, uint256 amount) internal pure returns (bytes memory) {
        if (offset + 32 > data.length) revert AmountOutsideCall();
        assembly {
            mstore(add(add(data, 32), offset), amount)
        }
        return data;
    }

    /// @dev amountIn: what left this contract; amountOut: what reached `to` (both by balance difference).
    function _transfer(Target memory t, address to, uint256 amount) internal returns (Stage memory s) {
        uint256 heldBefore = _balance(t.token, address(this));
        uint256 toBefore = _balance(t.token, to);
        bytes memory ret;
        (s, ret) = _call(t.token, 0, abi.encodeCall(IProbeERC20.transfer, (to, amount)), t.stageGas);
        if (s.status == OK && ret.length >= 32 && abi.decode(ret, (uint256)) == 0) {
            s.status = REVERTED;
            s.revertData = abi.encodeWithSignature("Error(string)", "transfer returned false");
        }
        s.amountIn = _minus(heldBefore, _balance(t.token, address(this)));
        s.amountOut = _minus(_balance(t.token, to), toBefore);
    }

    /// @dev amountIn: what left the wallet; amountOut: what came back here.
    function _sendBack(Target memory t) internal returns (Stage memory s) {
        uint256 walletBefore = _balance(t.token, t.wallet);
        uint256 heldBefore = _balance(t.token, address(this));
        (s,) = _call(t.wallet, 0, abi.encodeCall(ProbeWallet.sendBack, (t.token)), t.stageGas);
        s.amountIn = _minus(walletBefore, _balance(t.token, t.wallet));
        s.amountOut = _minus(_balance(t.token, address(this)), heldBefore);
    }

    /// @dev Routers and pairs replace the token's revert reason with their own (TRANSFER_FAILED); a direct,
    /// rolled-back transfer of the same amount usually meets the same check and shows its real reason.
    function _diagnose(Target memory t, address to, uint256 amount) internal returns (bytes memory) {
        Stage memory d = _isolated(abi.encodeCall(this.isolatedTransfer, (t, to, amount)));
        return d.status == OK ? bytes("") : d.revertData;
    }

    function _call(address target, uint256 value, bytes memory data, uint256 cap)
        internal
        returns (Stage memory s, bytes memory ret)
    {
        if (gasleft() < cap + cap / 63 + RESERVE_GAS) {
            s.status = NO_GAS;
            return (s, ret);
        }
        s.gasCap = cap;
        uint256 start = gasleft();
        bool ok;
        (ok, ret) = target.call{gas: cap, value: value}(data);
        s.gasUsed = start - gasleft();
        s.status = ok ? OK : REVERTED;
        if (!ok) s.revertData = ret;
    }

    /// @dev Runs `data` against this contract in a sub-call that always reverts, and decodes the result it
    /// carried out. Revert data without the tag means the sub-call itself failed (e.g. out of gas).
    function _isolated(bytes memory data) internal returns (Stage memory s) {
        if (gasleft() < 2 * RESERVE_GAS) {
            s.status = NO_GAS;
            return s;
        }
        uint256 cap = gasleft() - RESERVE_GAS;
        uint256 start = gasleft();
        (bool ok, bytes memory ret) = address(this).call{gas: cap}(data);
        bytes32 tag;
        if (ret.length >= 64) {
            assembly {
                tag := mload(add(ret, 32))
            }
        }
        if (!ok && tag == RESULT_TAG) {
            (, s) = abi.decode(ret, (bytes32, Stage));
            return s;
        }
        s.status = REVERTED;
        s.gasCap = cap;
        s.gasUsed = start - gasleft();
        s.revertData = ret;
    }

    function _revertWith(Stage memory s) internal pure {
        bytes memory out = abi.encode(RESULT_TAG, s);
        assembly {
            revert(add(out, 32), mload(out))
        }
    }

    function _balance(address token, address account) internal view returns (uint256) {
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeCall(IProbeERC20.balanceOf, (account)));
        return ok && ret.length >= 32 ? abi.decode(ret, (uint256)) : 0;
    }

    /// @dev The V2 pair's reserve of `token`; false where the pair does not answer like one.
    function _reserveOf(address pair, address token) internal view returns (bool, uint256) {
        (bool ok, bytes memory ret) = pair.staticcall(abi.encodeCall(IProbePairV2.getReserves, ()));
        (bool ok0, bytes memory ret0) = pair.staticcall(abi.encodeCall(IProbePairV2.token0, ()));
        if (!ok || !ok0 || ret.length < 96 || ret0.length < 32) return (false, 0);
        (uint256 r0, uint256 r1,) = abi.decode(ret, (uint256, uint256, uint256));
        return (true, abi.decode(ret0, (address)) == token ? r0 : r1);
    }

    /// @dev `high - low`, or 0 where a balance moved the "wrong" way (reflection tokens, rebases).
    function _minus(uint256 high, uint256 low) internal pure returns (uint256) {
        return high > low ? high - low : 0;
    }

    function _path(address from, address to) internal pure returns (address[] memory path) {
        path = new address[](2);
        path[0] = from;
        path[1] = to;
    }
}
