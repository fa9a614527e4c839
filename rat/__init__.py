"""RealAssetToken Python SDK: deployment, typed contract errors and shared helpers for scripts, relayer and reserves."""
