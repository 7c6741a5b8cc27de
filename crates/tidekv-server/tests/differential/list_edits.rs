//! List commands that edit in place or move: LSET, LINSERT, LREM, LTRIM, LPOS, LMOVE, RPOPLPUSH,
//! LMPOP.

use crate::support::for_each_engine;

#[test]
fn lset_linsert_lrem_and_ltrim() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "RPUSH l a b c a b c a",
            "LSET l 0 A",
            "LSET l -1 Z",
            "LSET l 7 x",
            "LSET l -8 x",
            "LSET l abc x",
            "LSET missing 0 x",
            "LSET missing abc x",
            "LSET l 0",
            "LRANGE l 0 -1",
            "LINSERT l BEFORE b X",
            "LINSERT l after c Y",
            "LINSERT l BEFORE nope X",
            "LINSERT missing BEFORE a X",
            "LINSERT l MIDDLE a X",
            "LINSERT missing MIDDLE a X",
            "LINSERT l BEFORE a",
            "LRANGE l 0 -1",
            "LREM l 1 a",
            "LREM l -1 c",
            "LREM l 0 b",
            "LREM l 0 nope",
            "LREM missing 0 a",
            "LREM l abc a",
            "LREM missing abc a",
            "LRANGE l 0 -1",
            "LREM l 0 A",
            "LREM l 0 Z",
            "LREM l 0 X",
            "LREM l 0 Y",
            "LREM l 0 c",
            "LREM l 0 a",
            "EXISTS l",
            "RPUSH t a b c d e f",
            "LTRIM t 1 -2",
            "LRANGE t 0 -1",
            "LTRIM t -2 100",
            "LRANGE t 0 -1",
            "LTRIM t 5 1",
            "EXISTS t",
            "LTRIM missing 0 1",
            "RPUSH u a b c a b c",
            "LREM u -2 a",
            "LRANGE u 0 -1",
            "LINSERT u BEFORE b x",
            "LINSERT u AFTER c y",
            "LRANGE u 0 -1",
            "LTRIM u 0 0",
            "LRANGE u 0 -1",
            "LTRIM u -1 -1",
            "LTRIM u 1 -1",
            "EXISTS u",
            "LTRIM t a 1",
            "LTRIM missing a 1",
            "LTRIM t 0",
            "SET s v",
            "LSET s 0 x",
            "LSET s abc x",
            "LINSERT s BEFORE a b",
            "LINSERT s MIDDLE a b",
            "LREM s 0 a",
            "LREM s abc a",
            "LTRIM s 0 1",
            "LTRIM s a b",
        ]);
    });
}

#[test]
fn lpos_with_rank_count_and_maxlen() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "RPUSH l a b c 1 2 3 c c",
            "LPOS l c",
            "LPOS l c RANK 2",
            "LPOS l c RANK -1",
            "LPOS l c RANK -3",
            "LPOS l c RANK 4",
            "LPOS l c COUNT 0",
            "LPOS l c COUNT 2",
            "LPOS l c COUNT 2 RANK -1",
            "LPOS l c RANK 2 COUNT 0",
            "LPOS l c MAXLEN 3",
            "LPOS l c MAXLEN 2",
            "LPOS l c COUNT 0 MAXLEN 7",
            "LPOS l c RANK -1 MAXLEN 1",
            "LPOS l c MAXLEN 0",
            "LPOS l nope",
            "LPOS l nope COUNT 0",
            "LPOS missing a",
            "LPOS missing a COUNT 1",
            "LPOS missing a RANK 0",
            "LPOS l c RANK 0",
            "LPOS l c RANK abc",
            "LPOS l c RANK -9223372036854775808",
            "LPOS l c RANK 9223372036854775807",
            "LPOS l c COUNT -1",
            "LPOS l c COUNT abc",
            "LPOS l c MAXLEN -1",
            "LPOS l c MAXLEN abc",
            "LPOS l c RANK",
            "LPOS l c COUNT",
            "LPOS l c FOO",
            "LPOS l c FOO 1",
            "lpos l c rank 1 count 1 maxlen 0",
            "LPOS l",
            "SET s v",
            "LPOS s a",
            "LPOS s a RANK 0",
        ]);
    });
}

#[test]
fn lmove_and_rpoplpush_between_and_within_lists() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "RPUSH src a b c",
            "LMOVE src dst LEFT RIGHT",
            "LMOVE src dst RIGHT LEFT",
            "LMOVE src dst left left",
            "LRANGE dst 0 -1",
            "EXISTS src",
            "LMOVE src dst LEFT RIGHT",
            "RPOPLPUSH src dst",
            "LMOVE dst dst LEFT RIGHT",
            "LMOVE dst dst RIGHT RIGHT",
            "LMOVE dst dst LEFT LEFT",
            "LRANGE dst 0 -1",
            "RPOPLPUSH dst dst",
            "LRANGE dst 0 -1",
            "RPOPLPUSH dst other",
            "LRANGE other 0 -1",
            "LMOVE dst other UP RIGHT",
            "LMOVE dst other LEFT DOWN",
            "LMOVE missing other UP RIGHT",
            "SET s v",
            "LMOVE s dst LEFT RIGHT",
            "LMOVE dst s LEFT RIGHT",
            "LMOVE missing s LEFT RIGHT",
            "RPOPLPUSH s dst",
            "RPOPLPUSH dst s",
            "RPOPLPUSH missing s",
            "LRANGE dst 0 -1",
            "LMOVE src dst LEFT",
            "RPOPLPUSH src",
        ]);
    });
}

#[test]
fn lmpop_pops_from_the_first_non_empty_list() {
    for_each_engine(|d| {
        let mut p = d.pair();
        p.run(&[
            "RPUSH b 1 2 3 4",
            "RPUSH c x",
            "LMPOP 3 a b c LEFT",
            "LMPOP 3 a b c RIGHT COUNT 2",
            "LMPOP 2 a b LEFT COUNT 10",
            "LMPOP 2 a b LEFT",
            "LMPOP 3 a b c left count 1",
            "EXISTS c",
            "LMPOP 1 a LEFT",
            "RPUSH b 1",
            "LMPOP 0 b LEFT",
            "LMPOP -1 b LEFT",
            "LMPOP abc b LEFT",
            "LMPOP 1 b MIDDLE",
            "LMPOP 2 b LEFT",
            "LMPOP 5 b LEFT",
            "LMPOP 1 b LEFT COUNT 0",
            "LMPOP 1 b LEFT COUNT -1",
            "LMPOP 1 b LEFT COUNT abc",
            "LMPOP 1 b LEFT COUNT",
            "LMPOP 1 b LEFT COUNT 1 COUNT 1",
            "LMPOP 1 b LEFT FOO",
            "LMPOP 9223372036854775807 b LEFT",
            "SET s v",
            "LMPOP 2 s b LEFT",
            "LMPOP 2 b s LEFT",
            "LMPOP 2 missing s LEFT",
            "LMPOP 1 b",
            "LMPOP",
        ]);
    });
}
