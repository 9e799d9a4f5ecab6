//! The Signal protocol as WhatsApp uses it: keys, X3DH, Double Ratchet, sender keys.
