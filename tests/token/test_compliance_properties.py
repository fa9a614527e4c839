"""Property: over random sequences of KYC changes, freezes, jurisdiction blocks, clock moves, mints and transfers,
the token does exactly what an independent Python model of the rules predicts; balances always sum to the total
supply; and no ineligible address ever gains tokens."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from ape.exceptions import ContractLogicError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from rat.deploy import jurisdiction, provider_ref
from rat.errors import TransferStatus as S

SHARE = 10**18
COUNTRIES = ["BR", "AR", "US"]
MIN_TIER = 1


@dataclass
class Record:
    tier: int = 0
    country: str = "BR"
    expiry: int = 0
    frozen: bool = False


@dataclass
class Model:
    records: dict[str, Record] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)

    def eligible(self, who: str, now: int) -> bool:
        r = self.records.get(who, Record())
        return not r.frozen and r.tier >= MIN_TIER and r.expiry > now and r.country not in self.blocked

    def status(self, sender: str | None, to: str, now: int) -> S:
        if sender is not None:
            r = self.records.get(sender, Record())
            if r.frozen:
                return S.SENDER_FROZEN
            if r.tier < MIN_TIER:
                return S.SENDER_NOT_ELIGIBLE
            if r.expiry <= now:
                return S.SENDER_KYC_EXPIRED
            if r.country in self.blocked:
                return S.SENDER_JURISDICTION_BLOCKED
        r = self.records.get(to, Record())
        if r.frozen:
            return S.RECIPIENT_FROZEN
        if r.tier < MIN_TIER:
            return S.RECIPIENT_NOT_ELIGIBLE
        if r.expiry <= now:
            return S.RECIPIENT_KYC_EXPIRED
        if r.country in self.blocked:
            return S.RECIPIENT_JURISDICTION_BLOCKED
        return S.OK


@pytest.mark.slow
def test_token_follows_the_compliance_model(chain, funded, registry, admin, kyc_operator, sanctions_officer, minter,
                                            accounts):
    holders = [accounts[i] for i in (6, 7, 8, 9)]  # alice, bob, mallory, carol
    by_address = {a.address: a for a in holders}
    addresses = list(by_address)

    class ComplianceMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.snapshot = chain.snapshot()
            self.model = Model()
            now = chain.pending_timestamp
            for a in addresses[:2]:  # the `funded` fixture approved alice and bob in Brazil for a year
                self.model.records[a] = Record(tier=1, country="BR", expiry=registry.investor(a).expiry)
            assert self.model.eligible(addresses[0], now)

        def teardown(self):
            chain.restore(self.snapshot)

        @rule(who=st.sampled_from(addresses), tier=st.integers(1, 3), country=st.sampled_from(COUNTRIES),
              valid_for=st.sampled_from([600, 86_400]))
        def set_kyc(self, who, tier, country, valid_for):
            expiry = chain.pending_timestamp + valid_for
            registry.setInvestor(who, tier, jurisdiction(country), expiry, provider_ref(who), sender=kyc_operator)
            rec = self.model.records.setdefault(who, Record())
            rec.tier, rec.country, rec.expiry = tier, country, expiry

        @rule(who=st.sampled_from(addresses))
        def revoke(self, who):
            registry.revokeInvestor(who, provider_ref("revoked"), sender=kyc_operator)
            rec = self.model.records.setdefault(who, Record())
            rec.tier, rec.expiry = 0, 0

        @rule(who=st.sampled_from(addresses))
        def toggle_freeze(self, who):
            rec = self.model.records.setdefault(who, Record())
            if rec.frozen:
                registry.unfreeze([who], provider_ref("lifted"), sender=sanctions_officer)
            else:
                registry.freeze([who], provider_ref("sanctions"), sender=sanctions_officer)
            rec.frozen = not rec.frozen

        @rule(country=st.sampled_from(COUNTRIES))
        def toggle_block(self, country):
            blocked = country not in self.model.blocked
            registry.setJurisdictionsBlocked(funded, [jurisdiction(country)], blocked, sender=admin)
            (self.model.blocked.add if blocked else self.model.blocked.discard)(country)

        @rule(seconds=st.sampled_from([60, 900]))
        def wait(self, seconds):
            chain.mine(timestamp=chain.pending_timestamp + seconds)

        @rule(to=st.sampled_from(addresses), shares=st.integers(1, 5))
        def mint(self, to, shares):
            self._attempt(None, to, shares * SHARE, lambda: funded.mint(to, shares * SHARE, sender=minter))

        @rule(sender=st.sampled_from(addresses), to=st.sampled_from(addresses), shares=st.integers(0, 3))
        def transfer(self, sender, to, shares):
            amount = shares * SHARE
            if funded.balanceOf(sender) < amount:
                return
            self._attempt(sender, to, amount,
                          lambda: funded.transfer(to, amount, sender=by_address[sender]))

        def _attempt(self, sender, to, amount, send):
            now = chain.pending_timestamp
            chain.pending_timestamp = now  # mined at the time the model judges KYC expiry by, not a second later
            expected = self.model.status(sender, to, now)
            before = funded.balanceOf(to)
            try:
                send()
                outcome = S.OK
            except ContractLogicError as err:
                outcome = S(err.inputs["status"]) if getattr(err, "inputs", None) else err
            assert outcome == expected, f"{sender}->{to}: chain said {outcome}, model said {expected}"
            if funded.balanceOf(to) > before:
                assert self.model.eligible(to, now), "an ineligible address gained tokens"

        @invariant()
        def balances_sum_to_total_supply(self):
            assert sum(funded.balanceOf(a) for a in addresses) == funded.totalSupply()

    ComplianceMachine.TestCase.settings = settings(
        max_examples=12, stateful_step_count=14, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    run_state_machine_as_test(ComplianceMachine, settings=ComplianceMachine.TestCase.settings)
