"""The sandbox token issuer: signing keys, RFC 9068 access tokens, JWKS and discovery."""
