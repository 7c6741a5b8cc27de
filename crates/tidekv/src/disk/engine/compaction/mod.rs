//! Leveled compaction: [`pick`] chooses (pure policy), [`run`] does the work, `range` compacts
//! one key range on request.

pub(crate) mod pick;
mod range;
mod run;
