//! The local stack's own small state files in the data directory (stream checkpoints, the dev
//! clock, the last daily check), each replaced atomically and durably so that a kill -9 leaves
//! either the old or the new content.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads `path` as JSON; `None` when the file does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> io::Result<Option<T>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not what the stack wrote: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!("reading {}: {e}", path.display()),
        )),
    }
}

/// Replaces `path` with `value` as JSON: written beside it, synced, renamed over it, and the
/// directory synced, so the rename itself survives a crash.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    let tmp = temp_path(path);
    {
        let mut file = private_file().write(true).truncate(true).open(&tmp)?;
        file.write_all(&bytes)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Appends one JSON line to `path` and syncs it.
pub fn append_json_line<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    let mut file = private_file().append(true).open(path)?;
    file.write_all(&line)?;
    file.sync_data()
}

/// Files of the data directory are the owner's alone (0600): they hold people's records.
fn private_file() -> fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = fs::OpenOptions::new();
    options.create(true).mode(0o600);
    options
}

/// Creates the data directory (and its parents) for the owner alone (0700), and makes an
/// existing one so.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Makes a file created by a library (the embedded store's) the owner's alone (0600).
pub fn make_private(file: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(file, fs::Permissions::from_mode(0o600))
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_written_file_reads_back_and_a_missing_one_is_none() {
        let dir = standing_testkit::TempDir::new("state").unwrap();
        let path = dir.path().join("x.json");
        assert_eq!(read_json::<serde_json::Value>(&path).unwrap(), None);
        write_json(&path, &json!({"a": 1})).unwrap();
        write_json(&path, &json!({"a": 2})).unwrap();
        assert_eq!(
            read_json::<serde_json::Value>(&path).unwrap(),
            Some(json!({"a": 2}))
        );
        assert!(!dir.path().join("x.json.tmp").exists());
    }

    #[test]
    fn a_file_that_is_not_json_is_an_error_naming_it() {
        let dir = standing_testkit::TempDir::new("state").unwrap();
        let path = dir.path().join("bad.json");
        fs::write(&path, b"{not json").unwrap();
        let err = read_json::<serde_json::Value>(&path).unwrap_err();
        assert!(err.to_string().contains("bad.json"), "{err}");
    }
}
