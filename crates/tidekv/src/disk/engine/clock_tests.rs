//! Expiry is judged by a clock, and clocks step back (NTP, a VM restored, an operator). A list
//! whose metadata a compaction saw expired must never lose elements that metadata still names:
//! when the clock steps back the list is whole again, never `Corruption`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::{open_with_fs, DiskEngine};
use crate::clock::ManualClock;
use crate::config::DiskOptions;
use crate::disk::fs::{Gate, MemFs};
use crate::engine::{End, Engine};

const START: u64 = 1_700_000_000_000;

fn open(fs: &MemFs, clock: &ManualClock) -> DiskEngine {
    let mut options = DiskOptions::new(PathBuf::from("/db"));
    options.l0_compaction_trigger = 100;
    options.l0_stall_trigger = 200;
    // The sweeper would delete the expired list before the clock steps back (as it may in real
    // life: then the list is simply gone); this test is about what a compaction does before it.
    options.expiry_sweep_interval = Duration::from_secs(3600);
    open_with_fs(Arc::new(fs.clone()), &options, Arc::new(clock.clone())).unwrap()
}

#[test]
fn a_clock_that_steps_back_finds_an_expired_list_whole() {
    let fs = MemFs::new();
    let clock = ManualClock::new(START);
    let engine = open(&fs, &clock);
    // The background compaction waits at this gate, so the test decides every step.
    let gate = Arc::new(Gate::default());
    let hook: super::Hook = {
        let gate = Arc::clone(&gate);
        Arc::new(move || gate.pass())
    };
    engine.inner.hooks.lock().push(("compact_once:start", hook));
    // Whatever happens below, the gate opens before the engine is dropped (which joins the
    // background thread waiting at it).
    struct OpenOnDrop(Arc<Gate>);
    impl Drop for OpenOnDrop {
        fn drop(&mut self) {
            self.0.open();
        }
    }
    let _open = OpenOnDrop(Arc::clone(&gate));
    let key = Bytes::from_static(b"list");
    // An older version of the key in the last level keeps the list's metadata from being at its
    // base level in the compaction below, so that compaction keeps the (expired) metadata.
    engine
        .put(0, &key, Bytes::from_static(b"old"), None)
        .unwrap();
    engine.compact().unwrap();
    assert!(engine.remove(0, &key).unwrap());
    let items: Vec<Bytes> = (0..50).map(|i| Bytes::from(format!("item{i}"))).collect();
    engine.push(0, &key, End::Back, &items).unwrap();
    let mut set = false;
    engine
        .transact(&[(0, key.clone())], &mut |tx| {
            set = tx.set_expiry(0, &key, Some(START + 1_000))?;
            Ok(())
        })
        .unwrap();
    assert!(set);
    clock.advance(Duration::from_secs(2));
    assert_eq!(engine.list_len(0, &key).unwrap(), 0, "expired");
    engine.inner.flush_memtables().unwrap();
    engine.inner.compact_level(0).unwrap();
    // NTP steps the clock back to before the expiry.
    clock.set(START + 500);
    let got = engine.list_range(0, &key, 0, -1);
    assert_eq!(got.unwrap(), items, "the list is whole again");
    assert_eq!(
        engine.pop(0, &key, End::Front).unwrap(),
        Some(items[0].clone())
    );
    // A full compaction once the list has really expired deletes it and reclaims all of it
    // (the key count, back to 0, goes too).
    clock.set(START + 5_000);
    engine.compact().unwrap();
    clock.set(START);
    assert_eq!(
        engine.list_range(0, &key, 0, -1).unwrap(),
        Vec::<Bytes>::new()
    );
    let entries: u64 = engine
        .inner
        .current()
        .version
        .tables()
        .map(|t| t.meta.entries)
        .sum();
    assert_eq!(
        entries, 0,
        "expired list elements left behind by a full compaction"
    );
}
