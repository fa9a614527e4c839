"""The lot ledger read back from the Minter's events is a valid `rat-reserves build` input that matches what was
actually minted and burnt."""

from datetime import datetime, timezone

from minting_constants import PRICE, USDC
from rat.minting import SHARE, fulfill, request_burn, request_mint
from reserves.chain_ledger import LEDGER_COLUMNS, ledger_from_chain, write_ledger_csv
from reserves.inputs import read_records

ACCOUNT = "SPV-RAT-0001"


def test_every_fulfilment_becomes_one_ledger_row_in_chain_order(
    mstack, token, usdc, investors, relayer, attestor_keys, deadline, chain
):
    alice, _ = investors
    start = chain.blocks.head.number
    mint_id = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, mint_id, 3 * SHARE, PRICE, attestor_keys, deadline)
    burn_id = request_burn(mstack, alice, token, usdc, SHARE // 2, PRICE // 2, deadline)
    fulfill(mstack, relayer, burn_id, SHARE // 2, PRICE, attestor_keys, deadline)

    rows = ledger_from_chain(chain.provider.web3, mstack.minter.address, ACCOUNT, from_block=start)

    assert [(r.kind, r.request_id, r.quantity) for r in rows] == [
        ("mint", "0x" + mint_id.hex(), "3"), ("burn", "0x" + burn_id.hex(), "0.5")]
    assert {r.isin for r in rows} == {token.isin()}
    assert {r.custody_account for r in rows} == {ACCOUNT}
    today = datetime.fromtimestamp(chain.blocks.head.timestamp, tz=timezone.utc).date().isoformat()
    assert {r.settlement_date for r in rows} == {today}


def test_unfulfilled_requests_leave_no_row(mstack, token, usdc, investors, deadline, chain):
    alice, _ = investors
    start = chain.blocks.head.number
    request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    assert ledger_from_chain(chain.provider.web3, mstack.minter.address, ACCOUNT, from_block=start) == []


def test_written_ledger_reads_back_with_the_documented_columns(
    mstack, token, usdc, investors, relayer, attestor_keys, deadline, chain, tmp_path
):
    alice, _ = investors
    start = chain.blocks.head.number
    mint_id = request_mint(mstack, alice, token, usdc, 1_000 * USDC, PRICE, deadline)
    fulfill(mstack, relayer, mint_id, 2 * SHARE, PRICE, attestor_keys, deadline)
    path = write_ledger_csv(ledger_from_chain(chain.provider.web3, mstack.minter.address, ACCOUNT, start),
                            tmp_path / "ledger.csv")
    [record] = list(read_records(path, LEDGER_COLUMNS))
    assert (record.line, record.fields["kind"], record.fields["quantity"]) == (2, "mint", "2")
    assert record.fields["request_id"] == "0x" + mint_id.hex()
