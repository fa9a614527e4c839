"""Bad input: every refusal names file, line and field, exits 2, and writes nothing."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from ledger_rows import AAPL, MSFT, ledger_row

from reserves import fields
from reserves import ledger as ledger_module
from reserves.cli import main
from reserves.custody import read_assets
from reserves.errors import InputError

AS_OF = "2026-11-27T21:00:00Z"


def build(tmp_path: Path, ledger: Path, custodian: Path, assets: Path):
    out = tmp_path / "round"
    result = CliRunner().invoke(main, ["build", "--ledger", str(ledger), "--custodian", str(custodian),
                                       "--assets", str(assets), "--out", str(out)])
    return result, out


def refused(tmp_path: Path, files: tuple[Path, Path, Path], where: str, field: str | None, words: str) -> None:
    result, out = build(tmp_path, *files)
    assert result.exit_code == 2, result.output
    prefix = f"{where}: {field}: " if field else f"{where}: "
    assert prefix in result.output
    assert words in result.output
    assert not out.exists()


def one_lot(quantity: str, rng=None) -> list[str]:
    return [ledger_row(rng or random.Random(0), "LOT-1", quantity)]


@pytest.mark.parametrize("quantity,words", [
    ("-5", "negative quantity"),
    ("ten", "not a decimal number"),
    ("1e3", "not a decimal number"),
    ("1.0000000000000000001", "too many decimals"),
    ("0", "greater than zero"),
], ids=["negative", "non-numeric", "exponent", "too-many-decimals", "zero"])
def test_a_bad_lot_quantity_is_refused(quantity, words, tmp_path, write_inputs):
    files = write_inputs(one_lot(quantity), [f"{AS_OF},{AAPL},CUST-ACC-001,10"])
    refused(tmp_path, files, f"{files[0]}:2", "quantity", words)


def test_a_duplicate_lot_id_is_refused(tmp_path, write_inputs):
    rng = random.Random(1)
    files = write_inputs([ledger_row(rng, "LOT-1"), ledger_row(rng, "LOT-1")], [f"{AS_OF},{AAPL},CUST-ACC-001,20"])
    refused(tmp_path, files, f"{files[0]}:3", "lot_id", "duplicate lot id 'LOT-1' (first on line 2)")


def test_a_duplicate_request_id_is_refused(tmp_path, write_inputs):
    rng = random.Random(1)
    first = ledger_row(rng, "LOT-1")
    second = first.replace("LOT-1", "LOT-2")
    files = write_inputs([first, second], [f"{AS_OF},{AAPL},CUST-ACC-001,20"])
    refused(tmp_path, files, f"{files[0]}:3", "request_id", "duplicate request id")


def test_a_bad_isin_check_digit_is_refused(tmp_path, write_inputs):
    files = write_inputs([ledger_row(random.Random(2), "LOT-1", isin="US0378331006")],
                         [f"{AS_OF},{AAPL},CUST-ACC-001,10"])
    refused(tmp_path, files, f"{files[0]}:2", "isin", "bad ISIN check digit")


def test_an_asset_missing_from_the_assets_file_is_refused(tmp_path, write_inputs):
    files = write_inputs(one_lot("10"), [f"{AS_OF},{AAPL},CUST-ACC-001,10", f"{AS_OF},DE0007164600,CUST-ACC-001,1"])
    refused(tmp_path, files, f"{files[1]}:3", "isin", "unknown asset 'DE0007164600'")


def test_mixed_as_of_dates_are_refused(tmp_path, write_inputs):
    files = write_inputs(one_lot("10"), [f"{AS_OF},{AAPL},CUST-ACC-001,10",
                                         f"2026-11-26T21:00:00Z,{MSFT},CUST-ACC-001,0"])
    refused(tmp_path, files, f"{files[1]}:3", "as_of", "mixed as-of dates")


def test_an_empty_custodian_statement_is_refused(tmp_path, write_inputs):
    files = write_inputs(one_lot("10"), [])
    refused(tmp_path, files, f"{files[1]}", None, "the custodian statement is empty")


def test_a_truncated_ledger_is_refused(tmp_path, write_inputs):
    files = write_inputs(one_lot("10") * 1, [f"{AS_OF},{AAPL},CUST-ACC-001,10"])
    text = files[0].read_text()
    files[0].write_text(text[: len(text) - 15])  # cut inside the last row: no final newline
    refused(tmp_path, files, f"{files[0]}:2", None, "looks truncated")


def test_a_ledger_that_is_not_utf8_is_refused(tmp_path, write_inputs):
    files = write_inputs(one_lot("10"), [f"{AS_OF},{AAPL},CUST-ACC-001,10"])
    files[0].write_bytes(files[0].read_text().replace("CUST-ACC-001", "CUST-ACC-00\xe9").encode("latin-1"))
    refused(tmp_path, files, f"{files[0]}:2", None, "not UTF-8")


def test_a_utf16_statement_is_refused(tmp_path, write_inputs):
    files = write_inputs(one_lot("10"), [f"{AS_OF},{AAPL},CUST-ACC-001,10"])
    files[1].write_bytes(files[1].read_text().encode("utf-16"))
    refused(tmp_path, files, f"{files[1]}:1", None, "not UTF-8")


def test_a_row_with_a_missing_field_is_refused(tmp_path, write_inputs):
    files = write_inputs([",".join(one_lot("10")[0].split(",")[:-1])], [f"{AS_OF},{AAPL},CUST-ACC-001,10"])
    refused(tmp_path, files, f"{files[0]}:2", None, "expected 8 fields, found 7")


def test_a_json_quantity_given_as_a_number_is_refused(tmp_path, round_inputs):
    ledger = round_inputs / "ledger.json"
    rows = json.loads(ledger.read_text())
    rows[2]["quantity"] = 40
    ledger.write_text(json.dumps(rows, indent=2) + "\n")
    files = (ledger, round_inputs / "custodian.json", round_inputs / "assets.json")
    # the third object starts on line 22 of the indented array
    refused(tmp_path, files, f"{ledger}:22", "quantity", "must be a JSON string, found 40")


def test_a_truncated_json_ledger_is_refused(tmp_path, round_inputs):
    ledger = round_inputs / "ledger.json"
    text = ledger.read_text()
    cut = text.index("LOT-0004")
    ledger.write_text(text[:cut] + "\n")
    files = (ledger, round_inputs / "custodian.json", round_inputs / "assets.json")
    refused(tmp_path, files, f"{ledger}:{text.count(chr(10), 0, cut) + 1}", None, "invalid JSON")


def test_lots_that_do_not_add_up_to_the_custodians_quantity_are_refused(tmp_path, round_inputs):
    custodian = round_inputs / "custodian.csv"
    custodian.write_text(custodian.read_text().replace("CUST-ACC-001,95.5", "CUST-ACC-001,95.4"))
    files = (round_inputs / "ledger.csv", custodian, round_inputs / "assets.json")
    refused(tmp_path, files, f"{custodian}:2", "quantity", "custodian holds 95.4 US0378331005 in this account, the "
            "lots hold 95.5")


def test_lots_in_an_account_the_custodian_does_not_list_are_refused(tmp_path, round_inputs):
    custodian = round_inputs / "custodian.csv"
    lines = custodian.read_text().splitlines(keepends=True)
    custodian.write_text("".join(line for line in lines if "US5949181045,CUST-ACC-002" not in line))
    files = (round_inputs / "ledger.csv", custodian, round_inputs / "assets.json")
    refused(tmp_path, files, f"{round_inputs / 'ledger.csv'}:7", "custody_account",
            "an account the custodian statement does not list")


def test_a_burn_larger_than_its_lots_is_refused(tmp_path, write_inputs):
    rng = random.Random(3)
    files = write_inputs([ledger_row(rng, "LOT-1", "10"), ledger_row(rng, "B-1", "10.5", kind="burn")],
                         [f"{AS_OF},{AAPL},CUST-ACC-001,0"])
    refused(tmp_path, files, f"{files[0]}:3", "quantity", "burn of 10.5 US0378331005 exceeds the 10 shares left")


def test_the_sample_inputs_build_in_both_formats(tmp_path, samples):
    for fmt in ("csv", "json"):
        result, out = build(tmp_path / fmt, samples / f"ledger.{fmt}", samples / f"custodian.{fmt}",
                            samples / "assets.json")
        assert result.exit_code == 0, result.output
        assert (out / "statement.json").is_file()


def test_the_column_wise_csv_reader_reads_exactly_what_the_row_by_row_reader_reads(write_inputs, monkeypatch):
    rng = random.Random(31)
    rows = [ledger_row(rng, f"L{i}", f"{rng.randrange(1, 10**6)}.{rng.randrange(0, 10**18):018d}",
                       day=f"2026-11-{10 + i % 15}", account=f"ACC-{i % 3}") for i in range(200)]
    rows.append(ledger_row(rng, "B1", "1.5", kind="burn", day="2026-11-26"))
    path, _, assets = write_inputs(rows, [])
    table = read_assets(assets)
    fast = ledger_module._read_plain_csv(path, table)
    assert fast is not None and len(fast) == 201
    assert ledger_module._read_plain_csv(path, table, batch=1) == fast  # a batch of about one row at a time
    monkeypatch.setattr(ledger_module, "_read_plain_csv", lambda *args: None)  # the row-by-row reader alone
    assert ledger_module.read_ledger(path, table) == fast


def test_a_refused_value_leaves_the_error_to_the_row_by_row_reader(write_inputs):
    rng = random.Random(32)
    path, _, assets = write_inputs([ledger_row(rng, "L1", "1"), ledger_row(rng, "L2", "0")], [])
    table = read_assets(assets)
    assert ledger_module._read_plain_csv(path, table) is None
    with pytest.raises(InputError, match=r"ledger.csv:3: quantity: must be greater than zero"):
        ledger_module.read_ledger(path, table)


needs_c = pytest.mark.skipif(ledger_module._c is None, reason="C extension reserves._merkle not built")


@needs_c
def test_the_c_column_splitter_splits_exactly_as_str_split_does():
    text = "mint,L1,é✓,x\nburn,L2,,y\nmint,L1,é✓,x\n"
    columns = ledger_module._c.csv_columns(text.encode(), 4)
    assert columns == [list(c) for c in zip(*(line.split(",") for line in text[:-1].split("\n")))]


@needs_c
@pytest.mark.parametrize("data", [b"a,b\n\nc,d\n", b"a,b\nc\n", b"a,b\nc,d,e\n", b'a,"b"\n', b"a,b\r\n", b"a,b",
                                  b"a,\xff\n", b"\na,b\n"],
                         ids=["empty-line", "too-few", "too-many", "quote", "crlf", "no-final-newline", "not-utf8",
                              "leading-empty-line"])
def test_the_c_column_splitter_declines_anything_but_plain_lines(data):
    assert ledger_module._c.csv_columns(data, 2) is None


@needs_c
def test_the_c_units_parser_computes_what_the_python_rule_computes():
    texts = ["1", "0.000000000000000001", "10.5", "007.25", "123456.123456789012345678", str(2**128 // 10**18)]
    assert ledger_module._c.units_column(texts, 18) == [ledger_module._units(t) for t in texts]


@needs_c
@pytest.mark.parametrize("text", ["0", "0.0", "1.", ".5", "1.0000000000000000001", "-1", "1e3", " 1", "١",
                                  str(2**128 // 10**18 + 1), "9" * 40])
def test_the_c_units_parser_declines_what_the_column_rule_refuses(text):
    assert ledger_module._c.units_column(["1", text], 18) is None


@needs_c
def test_the_c_hex_parser_decodes_what_the_bytes32_rule_decodes():
    texts = ["0x" + "ab" * 32, "0x" + "CD" * 32, "0x" + "0123456789abcdefABCDEF" * 2 + "00" * 10]
    assert ledger_module._c.hex32_column(texts) == [fields.bytes32(t) for t in texts]


@needs_c
@pytest.mark.parametrize("text", ["0X" + "ab" * 32, "ab" * 33, "0x" + "ab" * 31, "0x" + "ab" * 32 + "0",
                                  "0x" + "g" + "a" * 63, " 0x" + "ab" * 32, "0x" + "ab" * 31 + "é"])
def test_the_c_hex_parser_declines_what_the_bytes32_rule_refuses(text):
    assert ledger_module._c.hex32_column(["0x" + "00" * 32, text]) is None
