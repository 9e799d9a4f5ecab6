//! Creating the database file so that only its owner can read it. It holds the device's
//! private keys; SQLite would create it with the process umask (often world-readable).
//! SQLite gives the `-wal` and `-shm` files it creates later the main file's permissions.

use std::path::Path;

use crate::store::{StoreError, StoreResult};

/// Creates `path` empty with mode 0600 when it does not exist yet; an existing file is left
/// as it is (the owner may have chosen its mode), with a warning when others can read it.
#[cfg(unix)]
pub(super) fn prepare(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if let Ok(meta) = std::fs::metadata(path) {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    tracing::warn!(
                        path = %path.display(),
                        mode = format_args!("{mode:o}"),
                        "the store file is readable by other users; it holds private keys"
                    );
                }
            }
            Ok(())
        }
        Err(e) => Err(StoreError::Io(e)),
    }
}

/// Other platforms keep their default file permissions.
#[cfg(not(unix))]
pub(super) fn prepare(_path: &Path) -> StoreResult<()> {
    Ok(())
}
