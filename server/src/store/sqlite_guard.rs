//! SQLite is for one machine. Its locks do not work across machines, so a database file shared
//! through a network filesystem, or by backends on two hosts, would corrupt refreshes and
//! idempotency. At start we refuse both, with a message that says to move to Postgres.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// Filesystems whose locking SQLite cannot rely on.
const NETWORK_FILESYSTEMS: [&str; 9] = [
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "9p",
    "afs",
    "ceph",
];

/// Refuses a SQLite file on a network filesystem or last opened by another host.
pub(super) fn check_single_machine(db_path: &Path) -> anyhow::Result<()> {
    let folder = db_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let folder = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf());
    if let Some(fs_type) = filesystem_type(&folder) {
        if NETWORK_FILESYSTEMS.contains(&fs_type.as_str()) {
            bail!(
                "the SQLite database {} is on a network filesystem ({fs_type}); SQLite cannot be shared between machines. \
                 Run several replicas on Postgres instead (HWR_DATABASE_URL=postgres://…)",
                db_path.display()
            );
        }
    }
    let marker = host_marker(db_path);
    let this_host = hostname();
    match std::fs::read_to_string(&marker) {
        Ok(owner) if !owner.trim().is_empty() && owner.trim() != this_host => bail!(
            "the SQLite database {} was opened by host {:?}, and this is {this_host:?}: one SQLite file cannot serve \
             replicas on different machines. Use Postgres for several replicas (HWR_DATABASE_URL=postgres://…); \
             if you moved the data folder on purpose, delete {}",
            db_path.display(),
            owner.trim(),
            marker.display()
        ),
        Ok(_) => Ok(()),
        Err(_) => {
            // Best effort: a read-only folder fails later, with its own clear error.
            let _ = std::fs::write(&marker, format!("{this_host}\n"));
            Ok(())
        }
    }
}

fn host_marker(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".host");
    PathBuf::from(name)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// The filesystem type of the longest mount point containing `path` (Linux `/proc/mounts`).
fn filesystem_type(path: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, mount_point, fs_type) = (fields.next()?, fields.next()?, fields.next()?);
            path.starts_with(mount_point)
                .then(|| (mount_point.len(), fs_type.to_owned()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs_type)| fs_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_last_opened_by_another_host_is_refused() {
        let dir = std::env::temp_dir().join(format!("hwr-guard-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = dir.join("hire-with-remote.db");
        std::fs::write(host_marker(&db), "some-other-host\n").expect("marker");

        let error = check_single_machine(&db).expect_err("refused");

        assert!(error.to_string().contains("Postgres"), "{error}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_file_on_this_host_is_accepted_and_marked() {
        let dir = std::env::temp_dir().join(format!("hwr-guard-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = dir.join("hire-with-remote.db");

        check_single_machine(&db).expect("first start");
        check_single_machine(&db).expect("second start on the same host");

        assert_eq!(
            std::fs::read_to_string(host_marker(&db))
                .expect("marker")
                .trim(),
            hostname()
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_root_filesystem_is_not_a_network_one() {
        let fs_type = filesystem_type(Path::new("/")).unwrap_or_default();
        assert!(
            !NETWORK_FILESYSTEMS.contains(&fs_type.as_str()),
            "{fs_type}"
        );
    }
}
