"""Every privileged change passes the governor and the timelock: propose -> vote -> queue -> wait -> execute."""

import ape

from rat.governance import ProposalState, VoteType, execute, propose, queue, set_fees_action, state, vote


def _fee_proposal(system, listed, proposer, mint_bps=50, burn_bps=40, description="Set rAAPL fees"):
    return propose(system, proposer, [set_fees_action(system, listed.address, mint_bps, burn_bps)], description)


def test_a_fee_change_passes_through_vote_queue_delay_and_execution(system, listed, handed_over, whale, chain):
    proposal = _fee_proposal(system, listed, whale)
    assert state(system, proposal.id) == ProposalState.PENDING
    chain.mine(system.settings.voting_delay_blocks + 1)
    vote(system, whale, proposal.id, VoteType.FOR, "fees cover custody")
    chain.mine(system.settings.voting_period_blocks + 1)
    assert state(system, proposal.id) == ProposalState.SUCCEEDED
    queue(system, whale, proposal)
    assert state(system, proposal.id) == ProposalState.QUEUED
    chain.pending_timestamp += system.settings.timelock_delay_seconds + 1
    execute(system, whale, proposal)
    assert state(system, proposal.id) == ProposalState.EXECUTED
    assert system.instance("FeeVault").fees(listed) == (50, 40)


def test_a_proposal_below_quorum_is_defeated_and_cannot_be_queued(system, listed, minnow, chain):
    proposal = _fee_proposal(system, listed, minnow, description="Minnow's fee change")
    chain.mine(system.settings.voting_delay_blocks + 1)
    vote(system, minnow, proposal.id, VoteType.FOR)
    chain.mine(system.settings.voting_period_blocks + 1)
    assert state(system, proposal.id) == ProposalState.DEFEATED
    governor = system.instance("RatGovernor")
    with ape.reverts(governor.GovernorUnexpectedProposalState):
        queue(system, minnow, proposal)
    assert system.instance("FeeVault").fees(listed) == (30, 30)


def test_executing_before_the_timelock_delay_fails(system, listed, whale, chain):
    proposal = _fee_proposal(system, listed, whale, description="Too early")
    chain.mine(system.settings.voting_delay_blocks + 1)
    vote(system, whale, proposal.id, VoteType.FOR)
    chain.mine(system.settings.voting_period_blocks + 1)
    queue(system, whale, proposal)
    timelock = system.instance("RatTimelock")
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        execute(system, whale, proposal)
    assert system.instance("FeeVault").fees(listed) == (30, 30)


def test_a_proposal_voted_down_is_defeated(system, listed, whale, minnow, chain):
    proposal = _fee_proposal(system, listed, minnow, description="Voted down")
    chain.mine(system.settings.voting_delay_blocks + 1)
    vote(system, minnow, proposal.id, VoteType.FOR)
    vote(system, whale, proposal.id, VoteType.AGAINST)
    chain.mine(system.settings.voting_period_blocks + 1)
    assert state(system, proposal.id) == ProposalState.DEFEATED


def test_the_timelock_delay_comes_from_the_network_settings(system):
    assert system.instance("RatTimelock").getMinDelay() == system.settings.timelock_delay_seconds
    governor = system.instance("RatGovernor")
    assert governor.votingPeriod() == system.settings.voting_period_blocks
    assert governor.timelock() == system.address("RatTimelock")


def test_nobody_but_the_governor_can_schedule_on_the_timelock(system, whale):
    timelock = system.instance("RatTimelock")
    with ape.reverts(timelock.AccessControlUnauthorizedAccount):
        timelock.schedule(system.address("FeeVault"), 0, b"", b"\0" * 32, b"\0" * 32, 10**6, sender=whale)


def test_the_governance_token_has_no_mint_function(system):
    assert "mint" not in {m.name for m in system.instance("RatGovernanceToken").contract_type.mutable_methods}
