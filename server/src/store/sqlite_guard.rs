//! SQLite is for one machine. Its locks do not work across machines, so a database file shared
//! through a network filesystem, or by backends on two hosts, would corrupt refreshes and
//! idempotency. At start we refuse both, with a message that says to move to Postgres.

use std::path::{Path, PathBuf};

use anyhow::bail;

/// Where Linux lists the mounted filesystems.
const MOUNTS: &str = "/proc/mounts";

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
    // Linux only: elsewhere (or without /proc) the mount table cannot be read, and only the host
    // marker below is checked.
    if let Ok(mounts) = std::fs::read_to_string(MOUNTS) {
        if let Some(refusal) = network_refusal(&mounts, &folder, db_path) {
            bail!(refusal);
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

/// The refusal for a database whose folder is on a network filesystem, given the mount table
/// (the text of `/proc/mounts`); `None` when the folder's filesystem is local or not listed.
fn network_refusal(mounts: &str, folder: &Path, db_path: &Path) -> Option<String> {
    let fs_type = filesystem_type(mounts, folder)?;
    NETWORK_FILESYSTEMS.contains(&fs_type.as_str()).then(|| {
        format!(
            "the SQLite database {} is on a network filesystem ({fs_type}); SQLite cannot be shared between machines. \
             Run several replicas on Postgres instead (HWR_DATABASE_URL=postgres://…)",
            db_path.display()
        )
    })
}

/// The filesystem type of the longest mount point containing `path` in `mounts`; of two equal
/// mount points the later, which is mounted over the earlier.
fn filesystem_type(mounts: &str, path: &Path) -> Option<String> {
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, mount_point, fs_type) = (fields.next()?, fields.next()?, fields.next()?);
            let mount_point = unescape(mount_point);
            path.starts_with(&mount_point)
                .then(|| (mount_point.len(), fs_type.to_owned()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs_type)| fs_type)
}

/// A mount point as the kernel writes it, with space, tab, newline and backslash as octal
/// escapes (`\040`, `\011`, `\012`, `\134`).
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut rest = field;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let code = rest
            .get(at + 1..at + 4)
            .filter(|digits| digits.bytes().all(|b| (b'0'..=b'7').contains(&b)))
            .and_then(|digits| u8::from_str_radix(digits, 8).ok());
        match code {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
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

    /// A mount table as `/proc/mounts` writes it, with an NFS share, a local disk mounted
    /// inside it, and a local disk with an SMB share inside it.
    const MOUNTS_TEXT: &str = "\
overlay / overlay rw,relatime,lowerdir=/l,upperdir=/u,workdir=/w 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
files.example:/export /mnt/share nfs4 rw,relatime,vers=4.2 0 0
/dev/sdb1 /mnt/share/scratch ext4 rw,relatime 0 0
/dev/sdc1 /data ext4 rw,relatime 0 0
//nas.example/team /data/team cifs rw,relatime 0 0
me@host.example:/srv /home/me/remote\\040disk fuse.sshfs rw,nosuid,nodev 0 0
";

    fn refusal(folder: &str) -> Option<String> {
        network_refusal(
            MOUNTS_TEXT,
            Path::new(folder),
            &Path::new(folder).join("hire-with-remote.db"),
        )
    }

    #[test]
    fn a_database_on_nfs_smb_or_sshfs_is_refused_with_a_pointer_to_postgres() {
        for (folder, fs_type) in [
            ("/mnt/share", "nfs4"),
            ("/mnt/share/hwr", "nfs4"),
            ("/data/team/hwr", "cifs"),
            ("/home/me/remote disk/hwr", "fuse.sshfs"),
        ] {
            let refusal = refusal(folder).unwrap_or_else(|| panic!("{folder} is refused"));
            assert!(refusal.contains(&format!("({fs_type})")), "{refusal}");
            assert!(refusal.contains("Postgres"), "{refusal}");
            assert!(
                refusal.contains(&format!("{folder}/hire-with-remote.db")),
                "{refusal}"
            );
        }
    }

    #[test]
    fn the_longest_mount_point_decides_a_local_disk_inside_a_share_and_a_share_inside_a_disk() {
        // A local disk mounted inside the NFS share is local; the share around it is not.
        assert_eq!(refusal("/mnt/share/scratch/hwr"), None);
        assert!(refusal("/mnt/share/other").is_some());
        // An SMB share mounted inside a local disk is refused; the rest of the disk is not.
        assert!(refusal("/data/team").is_some());
        assert_eq!(refusal("/data/hwr"), None);
        // Mount points match whole components: /mnt/shared is not inside /mnt/share.
        assert_eq!(refusal("/mnt/shared/hwr"), None);
        assert_eq!(refusal("/var/lib/hwr"), None);
    }

    #[test]
    fn a_local_disk_mounted_over_a_share_wins_because_it_is_listed_later() {
        let mounts = "/dev/sda1 / ext4 rw 0 0\nfiles.example:/x /srv nfs rw 0 0\n/dev/sdb1 /srv xfs rw 0 0\n";
        assert_eq!(
            filesystem_type(mounts, Path::new("/srv/hwr")).as_deref(),
            Some("xfs")
        );
        let reversed = "/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /srv xfs rw 0 0\nfiles.example:/x /srv nfs rw 0 0\n";
        assert!(
            network_refusal(reversed, Path::new("/srv/hwr"), Path::new("/srv/hwr/db")).is_some()
        );
    }

    #[test]
    fn escaped_characters_in_mount_points_are_read_as_the_kernel_meant() {
        assert_eq!(unescape("/home/me/remote\\040disk"), "/home/me/remote disk");
        assert_eq!(unescape("/a\\011b\\134c"), "/a\tb\\c");
        assert_eq!(unescape("/odd\\9x\\"), "/odd\\9x\\");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_machines_root_filesystem_is_listed_and_is_not_a_network_one() {
        let mounts =
            std::fs::read_to_string(MOUNTS).expect("Linux lists its mounts in /proc/mounts");
        let fs_type = filesystem_type(&mounts, Path::new("/")).expect("the root is mounted");
        assert!(
            !NETWORK_FILESYSTEMS.contains(&fs_type.as_str()),
            "{fs_type}"
        );
        assert_eq!(
            network_refusal(&mounts, Path::new("/"), Path::new("/hwr.db")),
            None
        );
    }
}
