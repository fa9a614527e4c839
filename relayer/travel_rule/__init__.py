"""FATF Travel Rule: IVMS101 payloads exchanged over the OpenVASP Travel Rule Protocol (TRP); docs/regulator/travel-rule.md."""
