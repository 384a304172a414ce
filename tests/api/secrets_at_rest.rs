//! Secrets at rest: every kind of stored secret re-sealed by a rotation, an interrupted
//! rotation settled at the next start, the master key from the environment, and the
//! `switchboard secrets rotate` command refusing while the service holds the SQLite file.

use std::path::Path;

use switchboard::config::Config;
use switchboard::domain::EventSelection;
use switchboard::secrets::{SecretsConfig, Vault, slot};
use switchboard::store::{LINK_KEY, NewWebhook, Store};

use crate::helpers::{ServedBinary, TestDb, on_each_backend};

fn key_file(dir: &Path, name: &str, byte: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, byte.repeat(32)).expect("key");
    path
}

fn configured(path: &Path) -> SecretsConfig {
    SecretsConfig {
        key_file: Some(path.to_owned()),
        ..SecretsConfig::default()
    }
}

/// Stores one secret of each kind through `vault`.
async fn store_one_of_each(store: &Store, vault: &Vault) {
    vault
        .put("mail", "refresh_token", "rt-secret-value")
        .await
        .expect("oauth");
    let sealed = vault
        .seal_value(slot::WEBHOOK_SECRET, "webhook-secret-value-0123")
        .await
        .expect("seal");
    store
        .create_webhook(&NewWebhook {
            url: "https://hooks.example.test/a".into(),
            secret: sealed,
            events: EventSelection::All,
        })
        .await
        .expect("webhook");
    let link = vault
        .seal_value(slot::LINK_KEY, "link-key-value")
        .await
        .expect("seal");
    store
        .campaign_setting(LINK_KEY, &link)
        .await
        .expect("link key");
}

/// Every secret of [`store_one_of_each`], opened with `vault`.
async fn open_each(store: &Store, vault: &Vault) -> Result<Vec<String>, String> {
    let stored = store.stored_secrets().await.expect("stored");
    let mut values = vec![
        vault
            .get("mail", "refresh_token")
            .await
            .map_err(|err| err.to_string())?
            .unwrap_or_default(),
    ];
    for (_, text) in &stored.webhooks {
        values.push(
            vault
                .open_value(slot::WEBHOOK_SECRET, text)
                .await
                .map_err(|err| err.to_string())?,
        );
    }
    let link = stored.link_key.expect("link key");
    values.push(
        vault
            .open_value(slot::LINK_KEY, &link)
            .await
            .map_err(|err| err.to_string())?,
    );
    Ok(values)
}

const VALUES: [&str; 3] = [
    "rt-secret-value",
    "webhook-secret-value-0123",
    "link-key-value",
];

#[tokio::test]
async fn a_rotation_reseals_every_secret_under_the_new_key() {
    on_each_backend(|store| async move {
        let dir = tempfile::tempdir().expect("dir");
        let old_key = key_file(dir.path(), "old.key", "11");
        let vault = Vault::open(store.clone(), &configured(&old_key)).expect("vault");
        store_one_of_each(&store, &vault).await;
        let stored = store.stored_secrets().await.expect("stored");
        assert!(
            !format!("{stored:?}").contains("secret-value"),
            "nothing plain"
        );

        // A configured key is not replaced by the service: the new file must be named.
        let refused = vault.rotate(None).await.unwrap_err().to_string();
        assert!(refused.contains("--new-key-file"), "{refused}");
        // The current key is no new key.
        let same = vault.rotate(Some(&old_key)).await.unwrap_err().to_string();
        assert!(same.contains("holds the current key"), "{same}");
        assert_eq!(open_each(&store, &vault).await.expect("unchanged"), VALUES);

        let new_key = dir.path().join("new.key");
        let rotation = vault.rotate(Some(&new_key)).await.expect("rotate");
        assert_eq!(rotation.resealed, 3);
        assert!(!rotation.in_place);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&new_key)
                .expect("made")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the new key file is private");
        }
        let renewed = Vault::open(store.clone(), &configured(&new_key)).expect("vault");
        assert_eq!(open_each(&store, &renewed).await.expect("opens"), VALUES);
        let stale = Vault::open(store.clone(), &configured(&old_key)).expect("vault");
        assert!(
            open_each(&store, &stale).await.is_err(),
            "the old key opens nothing"
        );
    })
    .await;
}

#[tokio::test]
async fn the_key_beside_an_sqlite_file_is_replaced_in_place_and_an_interrupted_rotation_settles() {
    let db = TestDb::new(switchboard::store::Backend::Sqlite).await;
    let store = db.store().await;
    let database = store.database_file().expect("a file");
    let key = {
        let mut name = database.clone().into_os_string();
        name.push(".key");
        std::path::PathBuf::from(name)
    };
    let beside = SecretsConfig::default();
    let vault = Vault::open(store.clone(), &beside).expect("vault");
    store_one_of_each(&store, &vault).await;
    let first = std::fs::read(&key).expect("made on first use");

    let rotation = vault.rotate(None).await.expect("rotate");
    assert!(rotation.in_place);
    assert_eq!(rotation.resealed, 3);
    let second = std::fs::read(&key).expect("replaced");
    assert_ne!(first, second);
    let mut previous = key.clone().into_os_string();
    previous.push(".previous");
    assert_eq!(std::fs::read(&previous).expect("kept"), first);
    let reopened = Vault::open(store.clone(), &beside).expect("vault");
    assert_eq!(open_each(&store, &reopened).await.expect("opens"), VALUES);

    // Interrupted after the commit, before the move: the database is sealed under the
    // `.next` key, the old key is still in place. The next start keeps the new one.
    let mut next = key.clone().into_os_string();
    next.push(".next");
    let next = std::path::PathBuf::from(next);
    reopened.rotate(Some(&next)).await.expect("reseal");
    let third = std::fs::read(&next).expect("new key");
    let restarted = Vault::open(store.clone(), &beside).expect("vault");
    restarted.recover_rotation().await.expect("recover");
    assert!(!next.exists());
    assert_eq!(std::fs::read(&key).expect("key"), third);
    assert_eq!(open_each(&store, &restarted).await.expect("opens"), VALUES);

    // Interrupted before the commit: the `.next` key opens nothing and is dropped.
    std::fs::write(&next, "22".repeat(32)).expect("stray key");
    let restarted = Vault::open(store.clone(), &beside).expect("vault");
    restarted.recover_rotation().await.expect("recover");
    assert!(!next.exists());
    assert_eq!(std::fs::read(&key).expect("key"), third);
    assert_eq!(open_each(&store, &restarted).await.expect("opens"), VALUES);
    store.close().await;
}

#[tokio::test]
async fn the_master_key_comes_from_the_environment_and_never_shows() {
    let env = |value: &str| vec![("SWITCHBOARD_MASTER_KEY".to_owned(), value.to_owned())];
    let config = Config::from_parts(None, env(&"ab".repeat(32)), |_| None).expect("config");
    let master = config.secrets.master_key.as_ref().expect("read");
    assert!(!format!("{config:?}").contains(&"ab".repeat(32)));
    assert_eq!(master.expose(), "ab".repeat(32));
    let refused = Config::from_parts(None, env("short"), |_| None)
        .unwrap_err()
        .to_string();
    assert!(refused.starts_with("SWITCHBOARD_MASTER_KEY"), "{refused}");
    assert!(!refused.contains("short"), "{refused}");

    on_each_backend(|store| {
        let secrets = config.secrets.clone();
        async move {
            let vault = Vault::open(store.clone(), &secrets).expect("vault");
            assert!(vault.has_key());
            store_one_of_each(&store, &vault).await;
            assert_eq!(open_each(&store, &vault).await.expect("opens"), VALUES);
            let dir = tempfile::tempdir().expect("dir");
            let other = key_file(dir.path(), "other.key", "cd");
            let stranger = Vault::open(store.clone(), &configured(&other)).expect("vault");
            assert!(open_each(&store, &stranger).await.is_err());
            let refused = vault.rotate(None).await.unwrap_err().to_string();
            assert!(refused.contains("SWITCHBOARD_MASTER_KEY"), "{refused}");
        }
    })
    .await;
}

#[test]
fn the_rotate_command_refuses_while_the_service_runs_and_rotates_after() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("sb.db").display());
    let rotate = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["secrets", "rotate"])
            .current_dir(dir.path())
            .env("SWITCHBOARD_DATABASE_URL", &url)
            .env("SWITCHBOARD_LOG_LEVEL", "warn")
            .output()
            .expect("run")
    };
    let mut served = ServedBinary::start(dir.path(), &url);
    let refused = rotate();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("already served"), "{message}");
    served.child.kill().expect("kill");
    served.child.wait().expect("ended");
    let done = rotate();
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(said.contains("re-sealed"), "{said}");
    assert!(dir.path().join("sb.db.key").exists());
}
