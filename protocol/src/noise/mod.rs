//! Noise XX handshake (client and server roles), certificate chain, transport cipher and frames.
