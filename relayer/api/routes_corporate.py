"""Corporate actions per asset: the share multiplier, a scheduled split, the management fee, open dividend
distributions and a conversion, with what happens next (decision 0080)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam

from relayer.api.models import Address
from relayer.api.problems import ProblemError
from relayer.api.routes_public import _known_asset, _reader, ctx_of
from relayer.corporate_actions import CorporateActions, corporate_actions
from relayer.errors import RelayerError

router = APIRouter(prefix="/v1", tags=["public"])

ADDRESS = PathParam(pattern=r"^0x[0-9a-fA-F]{40}$", description="token address")


@router.get("/assets/{asset}/corporate-actions", response_model=CorporateActions,
            summary="Upcoming and open corporate actions of an asset: splits, management fee, dividends, conversion")
async def asset_corporate_actions(request: Request, asset: Annotated[Address, ADDRESS]) -> CorporateActions:
    ctx = ctx_of(request)
    address = _known_asset(ctx, asset)
    reader = _reader(ctx)
    try:
        now = await reader.chain_time()
        return await corporate_actions(reader.rpc, address, now, distributor=ctx.config.dividend_distributor,
                                       conversion_vault=ctx.config.conversion_vault)
    except RelayerError as exc:
        raise ProblemError(503, f"cannot read the corporate actions of {address}: {exc}", "chain-unavailable") from None
