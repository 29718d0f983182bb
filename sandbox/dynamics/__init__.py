"""Microsoft Dynamics 365 Finance & Operations, emulated: OData v4 data entities under
`/dynamics/data/`, `$batch`, and the Microsoft Entra ID token endpoint."""
