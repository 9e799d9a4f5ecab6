// Interop peer for tests/signal_interop.rs: one Signal party backed by npm libsignal 6.0.0
// (the library Baileys uses), driven by one JSON command per stdin line; one JSON reply per
// stdout line. Byte strings are lowercase hex. Public keys are 33 bytes (0x05 prefix).
//
// Commands:
//   {"cmd":"init","prekeys":N}            -> {"bundle": {...}}  (fresh identity, SPK, N OPKs)
//   {"cmd":"bundle","with_prekey":bool}   -> {"bundle": {...}}  (our bundle, one OPK or none)
//   {"cmd":"process_bundle","address":A,"bundle":{...}} -> {}
//   {"cmd":"encrypt","address":A,"plaintext":H}  -> {"type":"pkmsg"|"msg","body":H}
//   {"cmd":"decrypt","address":A,"type":T,"body":H} -> {"plaintext":H} | {"error":"..."}
//   {"cmd":"quit"}
'use strict';

// libsignal logs with console.info/log; keep stdout for the protocol.
const toStderr = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
console.warn = toStderr;
console.error = toStderr;

const readline = require('readline');
const libsignal = require('libsignal');

const hex = (buf) => Buffer.from(buf).toString('hex');
const unhex = (s) => Buffer.from(s, 'hex');

const state = {
  identity: null,
  registrationId: 0,
  signedPreKey: null,
  preKeys: new Map(),
  sessions: new Map(),
};

const storage = {
  async loadSession(id) {
    const stored = state.sessions.get(id);
    // Round-trip through the serialized form, as a real store would.
    return stored ? libsignal.SessionRecord.deserialize(stored) : undefined;
  },
  async storeSession(id, record) {
    state.sessions.set(id, record.serialize());
  },
  isTrustedIdentity() {
    return true;
  },
  async loadPreKey(id) {
    const pk = state.preKeys.get(Number(id));
    return pk ? pk.keyPair : undefined;
  },
  removePreKey(id) {
    state.preKeys.delete(Number(id));
  },
  async loadSignedPreKey(id) {
    return state.signedPreKey && state.signedPreKey.keyId === id
      ? state.signedPreKey.keyPair
      : undefined;
  },
  getOurRegistrationId() {
    return state.registrationId;
  },
  getOurIdentity() {
    return state.identity;
  },
};

function address(a) {
  const dot = a.lastIndexOf('.');
  return new libsignal.ProtocolAddress(a.slice(0, dot), Number(a.slice(dot + 1)));
}

function bundle(withPreKey) {
  const out = {
    registration_id: state.registrationId,
    identity_key: hex(state.identity.pubKey),
    signed_prekey: {
      key_id: state.signedPreKey.keyId,
      public: hex(state.signedPreKey.keyPair.pubKey),
      signature: hex(state.signedPreKey.signature),
    },
    prekey: null,
  };
  if (withPreKey) {
    const first = state.preKeys.values().next().value;
    if (first) out.prekey = { key_id: first.keyId, public: hex(first.keyPair.pubKey) };
  }
  return out;
}

async function handle(req) {
  switch (req.cmd) {
    case 'init': {
      state.identity = libsignal.keyhelper.generateIdentityKeyPair();
      state.registrationId = libsignal.keyhelper.generateRegistrationId();
      state.signedPreKey = libsignal.keyhelper.generateSignedPreKey(state.identity, 77);
      for (let i = 0; i < (req.prekeys || 1); i++) {
        const pk = libsignal.keyhelper.generatePreKey(1000 + i);
        state.preKeys.set(pk.keyId, pk);
      }
      return { bundle: bundle(true) };
    }
    case 'bundle':
      return { bundle: bundle(!!req.with_prekey) };
    case 'process_bundle': {
      const b = req.bundle;
      const device = {
        registrationId: b.registration_id,
        identityKey: unhex(b.identity_key),
        signedPreKey: {
          keyId: b.signed_prekey.key_id,
          publicKey: unhex(b.signed_prekey.public),
          signature: unhex(b.signed_prekey.signature),
        },
      };
      if (b.prekey) device.preKey = { keyId: b.prekey.key_id, publicKey: unhex(b.prekey.public) };
      await new libsignal.SessionBuilder(storage, address(req.address)).initOutgoing(device);
      return {};
    }
    case 'encrypt': {
      const cipher = new libsignal.SessionCipher(storage, address(req.address));
      const res = await cipher.encrypt(unhex(req.plaintext));
      return { type: res.type === 3 ? 'pkmsg' : 'msg', body: hex(res.body) };
    }
    case 'decrypt': {
      const cipher = new libsignal.SessionCipher(storage, address(req.address));
      const body = unhex(req.body);
      try {
        const pt = req.type === 'pkmsg'
          ? await cipher.decryptPreKeyWhisperMessage(body)
          : await cipher.decryptWhisperMessage(body);
        return { plaintext: hex(pt) };
      } catch (e) {
        return { error: String(e && e.message || e) };
      }
    }
    case 'quit':
      process.exit(0);
      break;
    default:
      return { error: `unknown command ${req.cmd}` };
  }
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
let chain = Promise.resolve();
rl.on('line', (line) => {
  chain = chain.then(async () => {
    let reply;
    try {
      reply = await handle(JSON.parse(line));
    } catch (e) {
      reply = { error: `peer failure: ${e && e.stack || e}` };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  });
});
rl.on('close', () => chain.then(() => process.exit(0)));
