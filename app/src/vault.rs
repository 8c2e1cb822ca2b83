//! The replica's encryption at rest.
//!
//! Every record the store writes to IndexedDB — people, enrolments, notes, follow-up,
//! conflicts, the outbox, refusals, consultations, the session token and the reference data —
//! is sealed with AES-256-GCM under one random key of the device (the *replica key*). The
//! record is kept as `{<key path>: id, sealed: Uint8Array(nonce ‖ ciphertext ‖ tag)}`: the
//! ids (random UUIDs and mutation numbers) stay readable so that IndexedDB can key the
//! records, nothing else does.
//!
//! The replica key lives in memory only while the app is unlocked. On the device it is kept
//! wrapped twice in the clear `vault` record: by a key derived from the user's password
//! (PBKDF2-SHA-256, [`PBKDF2_ITERATIONS`], WebCrypto) — the app unlocks offline with the
//! password — and by the device's escrow key, which the server hands over at each sign-in, so
//! that a sign-in after a password change made elsewhere (or an administrator's reset) still
//! opens what the device holds.
//!
//! Sealing runs synchronously in Rust: WebCrypto is asynchronous, and awaiting anything but
//! an IndexedDB request inside a transaction lets it commit early.

use std::cell::RefCell;
use std::rc::Rc;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use js_sys::{Object, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// OWASP's recommendation for PBKDF2-HMAC-SHA-256 (Password Storage Cheat Sheet, 2023).
pub const PBKDF2_ITERATIONS: u32 = 600_000;

const NONCE_LEN: usize = 12;
/// The field of a stored record that holds its sealed bytes.
const SEALED: &str = "sealed";

/// Why a record could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultError {
    /// The app is locked: the replica key is not in memory.
    Locked,
    /// The bytes do not open with this key (another key, or altered on disk).
    Unreadable,
    /// The browser refused a cryptographic operation (no WebCrypto outside a secure context).
    Crypto(String),
}

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultError::Locked => f.write_str("locked"),
            VaultError::Unreadable => f.write_str("unreadable"),
            VaultError::Crypto(e) => write!(f, "crypto: {e}"),
        }
    }
}

/// An AES-256-GCM key; cheap to clone.
#[derive(Clone)]
pub struct Key(Rc<Aes256Gcm>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    pub fn from_bytes(bytes: &[u8; 32]) -> Key {
        Key(Rc::new(Aes256Gcm::new(bytes.into())))
    }

    /// `nonce ‖ ciphertext ‖ tag`, under a fresh random nonce.
    pub fn seal_bytes(&self, plain: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = random_array();
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plain)
            .expect("AES-GCM encrypts any message shorter than 64 GiB");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open_bytes(&self, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        if sealed.len() < NONCE_LEN {
            return Err(VaultError::Unreadable);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.0
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| VaultError::Unreadable)
    }

    /// Wraps another key (its raw bytes) under this one.
    pub fn wrap(&self, inner: &[u8; 32]) -> Vec<u8> {
        self.seal_bytes(inner)
    }

    pub fn unwrap_key(&self, wrapped: &[u8]) -> Result<([u8; 32], Key), VaultError> {
        let raw = self.open_bytes(wrapped)?;
        let raw: [u8; 32] = raw.try_into().map_err(|_| VaultError::Unreadable)?;
        Ok((raw, Key::from_bytes(&raw)))
    }
}

/// The replica key as this session holds it: its raw bytes (to wrap it again when the
/// password changes) and the cipher.
#[derive(Clone, Debug)]
pub struct ReplicaKey {
    raw: Rc<[u8; 32]>,
    pub key: Key,
}

impl ReplicaKey {
    pub fn generate() -> ReplicaKey {
        ReplicaKey::from_raw(random_array())
    }

    pub fn from_raw(raw: [u8; 32]) -> ReplicaKey {
        ReplicaKey {
            key: Key::from_bytes(&raw),
            raw: Rc::new(raw),
        }
    }

    pub fn raw(&self) -> &[u8; 32] {
        &self.raw
    }
}

/// What the device keeps in clear to unlock its replica: whose it is, and the replica key
/// wrapped by the password and by the device's escrow key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaultRecord {
    pub owner: Uuid,
    /// Shown on the unlock screen (and sent at an online unlock).
    pub login: String,
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub by_password: Vec<u8>,
    pub by_device_key: Vec<u8>,
}

impl VaultRecord {
    /// A record for `key`, wrapped by `password` (under a new salt) and by `device_key`.
    pub async fn new(
        owner: Uuid,
        login: &str,
        password: &str,
        device_key: &Key,
        key: &ReplicaKey,
    ) -> Result<VaultRecord, VaultError> {
        let record = VaultRecord {
            owner,
            login: login.to_owned(),
            salt: Vec::new(),
            iterations: PBKDF2_ITERATIONS,
            by_password: Vec::new(),
            by_device_key: device_key.wrap(key.raw()),
        };
        record.rewrap(key, password).await
    }

    /// The same record with the key wrapped by a new `password` (under a new salt); the escrow
    /// wrapping stays.
    pub async fn rewrap(
        &self,
        key: &ReplicaKey,
        password: &str,
    ) -> Result<VaultRecord, VaultError> {
        let salt: [u8; 16] = random_array();
        let by_password = password_key(password, &salt, PBKDF2_ITERATIONS)
            .await?
            .wrap(key.raw());
        Ok(VaultRecord {
            salt: salt.to_vec(),
            iterations: PBKDF2_ITERATIONS,
            by_password,
            ..self.clone()
        })
    }

    /// The replica key, if `password` is the one it was wrapped with.
    pub async fn open_with_password(&self, password: &str) -> Result<ReplicaKey, VaultError> {
        let (raw, _) = password_key(password, &self.salt, self.iterations)
            .await?
            .unwrap_key(&self.by_password)?;
        Ok(ReplicaKey::from_raw(raw))
    }

    /// The replica key, if `device_key` is the server's escrow key of this device.
    pub fn open_with_device_key(&self, device_key: &Key) -> Result<ReplicaKey, VaultError> {
        let (raw, _) = device_key.unwrap_key(&self.by_device_key)?;
        Ok(ReplicaKey::from_raw(raw))
    }
}

/// The device's escrow key as the server sends it (URL-safe base64 of 32 bytes).
pub fn device_key(encoded: &str) -> Option<Key> {
    let raw = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    let raw: [u8; 32] = raw.try_into().ok()?;
    Some(Key::from_bytes(&raw))
}

/// PBKDF2-HMAC-SHA-256 of `password`, by WebCrypto (a few hundred milliseconds).
pub async fn password_key(password: &str, salt: &[u8], iterations: u32) -> Result<Key, VaultError> {
    let crypto = || VaultError::Crypto("WebCrypto".into());
    let subtle = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(crypto)?
        .subtle();
    let js = |e: JsValue| VaultError::Crypto(format!("{e:?}"));
    let usages = js_sys::Array::of1(&JsValue::from_str("deriveBits"));
    let base = JsFuture::from(
        subtle
            .import_key_with_str(
                "raw",
                &Uint8Array::from(password.as_bytes()),
                "PBKDF2",
                false,
                &usages,
            )
            .map_err(js)?,
    )
    .await
    .map_err(js)?;
    let params = web_sys::Pbkdf2Params::new(
        "PBKDF2",
        &JsValue::from_str("SHA-256"),
        iterations,
        &Uint8Array::from(salt),
    );
    let bits = JsFuture::from(
        subtle
            .derive_bits_with_object(&params, &base.unchecked_into(), 256)
            .map_err(js)?,
    )
    .await
    .map_err(js)?;
    let raw: [u8; 32] = Uint8Array::new(&bits)
        .to_vec()
        .try_into()
        .map_err(|_| crypto())?;
    Ok(Key::from_bytes(&raw))
}

/// A record stored under its id: the object stores are keyed by `id` (or `seq`).
pub trait Sealable: Serialize + DeserializeOwned {
    const KEY_PATH: &'static str = "id";
    fn key_value(&self) -> JsValue;
    /// The person this record belongs to, kept in clear beside the id (as [`PERSON`]) so that
    /// one person's records are read through an index without opening everyone's. A random
    /// id like the record's own: it tells which records go together, not what they say.
    fn person(&self) -> Option<Uuid> {
        None
    }
}

/// The field of a stored record that names its person in clear ([`Sealable::person`]).
pub const PERSON: &str = "person";

/// `{<key path>: id, sealed: …}` for `value`.
pub fn seal_record<T: Sealable>(key: &Key, value: &T) -> Result<JsValue, VaultError> {
    let object = seal_value(key, value)?;
    let set = |field: &str, v: &JsValue| {
        Reflect::set(&object, &JsValue::from_str(field), v)
            .map(drop)
            .map_err(|e| VaultError::Crypto(format!("{e:?}")))
    };
    set(T::KEY_PATH, &value.key_value())?;
    if let Some(person) = value.person() {
        set(PERSON, &JsValue::from_str(&person.to_string()))?;
    }
    Ok(object)
}

/// `{sealed: …}` for `value` (stored under an explicit key).
pub fn seal_value<T: Serialize>(key: &Key, value: &T) -> Result<JsValue, VaultError> {
    let plain = serde_json::to_vec(value).map_err(|e| VaultError::Crypto(e.to_string()))?;
    let object = Object::new();
    Reflect::set(
        &object,
        &JsValue::from_str(SEALED),
        &Uint8Array::from(&key.seal_bytes(&plain)[..]),
    )
    .map_err(|e| VaultError::Crypto(format!("{e:?}")))?;
    Ok(object.into())
}

/// Whether a stored value is sealed (values written before encryption are not).
pub fn is_sealed(stored: &JsValue) -> bool {
    Reflect::get(stored, &JsValue::from_str(SEALED)).is_ok_and(|v| v.is_instance_of::<Uint8Array>())
}

/// Opens a stored value: sealed with `key`, or (written by an app before encryption) in
/// clear — such values are sealed again at the first sign-in after the update.
pub fn open<T: DeserializeOwned>(key: Option<&Key>, stored: JsValue) -> Result<T, VaultError> {
    let sealed = Reflect::get(&stored, &JsValue::from_str(SEALED)).unwrap_or(JsValue::UNDEFINED);
    match sealed.dyn_into::<Uint8Array>() {
        Ok(bytes) => {
            let plain = key.ok_or(VaultError::Locked)?.open_bytes(&bytes.to_vec())?;
            serde_json::from_slice(&plain).map_err(|_| VaultError::Unreadable)
        }
        // A plain object (serde-wasm-bindgen wrote it, maps as objects): read through its JSON
        // with the parser of sealed values — a second deserializer would double the code of
        // every stored type in the app's download.
        Err(_) => {
            let json = js_sys::JSON::stringify(&stored).map_err(|_| VaultError::Unreadable)?;
            serde_json::from_slice(String::from(json).as_bytes())
                .map_err(|_| VaultError::Unreadable)
        }
    }
}

thread_local! {
    /// Random bytes drawn from the browser in batches: one call per record would cost a
    /// crossing into JavaScript each.
    static POOL: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// `N` bytes from the browser's cryptographic generator.
pub fn random_array<const N: usize>() -> [u8; N] {
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < N {
            let mut fresh = vec![0u8; 4096.max(N)];
            web_sys::window()
                .and_then(|w| w.crypto().ok())
                .expect("the browser's crypto")
                .get_random_values_with_u8_array(&mut fresh)
                .expect("getRandomValues");
            *pool = fresh;
        }
        let at = pool.len() - N;
        let out: [u8; N] = pool[at..].try_into().expect("N bytes");
        pool.truncate(at);
        out
    })
}
