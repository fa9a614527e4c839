"""RAT's cloud infrastructure as a Pulumi (Python) program: one AWS account per stack, one region per stack."""
