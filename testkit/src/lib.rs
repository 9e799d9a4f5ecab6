//! An in-process fake WhatsApp server speaking the real wire protocol, for offline tests.
