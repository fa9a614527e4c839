"""RAT's cloud infrastructure as a Pulumi (Python) program: one region, one provider per stack."""
