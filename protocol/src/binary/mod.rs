//! Binary XML nodes ("WABinary"): `Node`, `Jid`, token dictionary v3, encoder and decoder.
