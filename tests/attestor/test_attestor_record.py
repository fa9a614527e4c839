"""The attestor's durable record: the same terms are signed again, different terms never, one piece of evidence
backs one request, and the day's limit counts what was recorded."""

from __future__ import annotations

import pytest

from attestor.ledger import Conflict, Entry, Ledger, OverDailyLimit

SHARE = 10**18


def entry(request: str = "0x01", terms: str = "A", broker: str = "b1", custody: str = "c1", shares: int = SHARE,
          deadline: int = 100) -> Entry:
    return Entry(request_id=request, terms=terms, asset="0xAsset", day="2026-12-02", share_units=shares,
                 broker_order_ref=broker, custody_ref=custody, deadline=deadline)


@pytest.fixture
def ledger(tmp_path):
    record = Ledger(tmp_path / "a.db")
    yield record
    record.close()


def test_a_new_fill_is_recorded_and_the_same_terms_are_a_re_signature(ledger):
    assert ledger.record(entry(), daily_limit=10 * SHARE) is True
    assert ledger.record(entry(deadline=200), daily_limit=10 * SHARE) is False
    assert ledger.signed_count() == 1


def test_different_terms_for_a_recorded_request_are_a_conflict(ledger):
    ledger.record(entry(), daily_limit=10 * SHARE)
    with pytest.raises(Conflict) as refused:
        ledger.record(entry(terms="B"), daily_limit=10 * SHARE)
    assert refused.value.kind == "conflicting-fill"


def test_a_broker_or_custody_reference_backs_one_request_only(ledger):
    ledger.record(entry(), daily_limit=10 * SHARE)
    for other in (entry(request="0x02", custody="c2"), entry(request="0x03", broker="b3")):
        with pytest.raises(Conflict) as refused:
            ledger.record(other, daily_limit=10 * SHARE)
        assert refused.value.kind == "evidence-reused"


def test_the_daily_limit_counts_recorded_fills_of_the_asset_and_day(ledger):
    ledger.record(entry(shares=6 * SHARE), daily_limit=10 * SHARE)
    with pytest.raises(OverDailyLimit):
        ledger.record(entry(request="0x02", broker="b2", custody="c2", shares=5 * SHARE), daily_limit=10 * SHARE)
    assert ledger.signed_count() == 1


def test_the_record_survives_reopening_the_file(tmp_path):
    first = Ledger(tmp_path / "a.db")
    first.record(entry(), daily_limit=10 * SHARE)
    first.close()
    again = Ledger(tmp_path / "a.db")
    with pytest.raises(Conflict):
        again.record(entry(terms="B"), daily_limit=10 * SHARE)
    again.close()
