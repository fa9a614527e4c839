"""The relayer's service API: public reads, the request-status WebSocket, the operator surface and the KYC
provider's webhook, as one ASGI application (`relayer.api.app.create_app`)."""
