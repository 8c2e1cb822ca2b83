-- The escrow key of each device of an account (32 random bytes), handed to the device at each
-- sign-in: the app wraps the key of its encrypted replica with it as well as with the
-- password. Forgotten when the device is revoked or confirms it is wiped.
ALTER TABLE devices ADD COLUMN vault_key BLOB;
