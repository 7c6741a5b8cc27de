//! Leveled compaction: [`pick`] chooses (pure policy), [`run`] does the work.

pub(crate) mod pick;
mod run;
