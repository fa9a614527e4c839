"""KYC sync: Sumsub applicant-review webhooks become ComplianceRegistry writes (tier, jurisdiction, expiry, and a
hash of the provider reference), batched and sent with the KYC operator key. No personal data is stored."""
