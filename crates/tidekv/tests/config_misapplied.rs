//! A setting of one backend on a config of another is refused at open, not silently ignored;
//! presets apply to whichever backend the config is for.

use tidekv::{Config, Durability, Error, Store};

#[test]
fn a_disk_setting_on_a_memory_config_is_refused() {
    let err = Store::open(Config::memory().durability(Durability::Sync)).unwrap_err();
    match err {
        Error::InvalidArgument {
            what: "config",
            why,
        } => {
            assert!(
                why.contains("durability") && why.contains("disk backend"),
                "{why}"
            );
        }
        other => panic!("expected a config error, got {other:?}"),
    }
    assert!(Store::open(Config::memory().block_cache_size(1 << 20)).is_err());
}

#[test]
fn a_memory_setting_on_a_disk_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(Config::disk(dir.path()).shards(8)).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidArgument { what: "config", why } if why.contains("shards")),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was created"
    );
}

#[test]
fn presets_apply_to_either_backend() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(Config::disk(dir.path()).low_memory()).unwrap();
    store.insert("k", "v").unwrap();
    store.close().unwrap();
    let store = Store::open(Config::memory().high_performance()).unwrap();
    store.insert("k", "v").unwrap();
}
