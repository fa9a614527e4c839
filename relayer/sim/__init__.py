"""Simulated brokerage (speaking the Alpaca Trading API v2 wire format) and simulated custodian, each a real
HTTP service in its own process, for the demo, the tests and the benchmark. See `rat-relayer sim --help`."""
