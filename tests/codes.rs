//! The TypeScript `ErrorCode` union (src/web/wire.d.ts, pasted into the generated
//! declarations) lists exactly the core's codes, in `Code::ALL`'s order; and the
//! `EngineState` union every `State`.

use ferry_upload::core::{Code, State};

const WIRE_TS: &str = include_str!("../src/web/wire.d.ts");

/// The string literals of `export type <name> = ...;`.
fn union(name: &str) -> Vec<String> {
    let start = WIRE_TS.find(&format!("export type {name} =")).unwrap_or_else(|| panic!("{name} is declared"));
    let body = &WIRE_TS[start..];
    let body = &body[..body.find(';').expect("the union ends")];
    body.split('\'').skip(1).step_by(2).map(str::to_string).collect()
}

#[test]
fn the_typescript_error_codes_are_the_core_codes() {
    let core: Vec<String> = Code::ALL.iter().map(|c| c.as_str().to_string()).collect();
    assert_eq!(union("ErrorCode"), core);
}

/// Fails to compile when a state is added, so that the list below is every state.
fn listed(state: State) {
    match state {
        State::Idle
        | State::Creating
        | State::Resuming
        | State::Uploading
        | State::Buffering
        | State::Reconnecting
        | State::Offline
        | State::Locked
        | State::Paused
        | State::Completed
        | State::Failed
        | State::Aborted => {}
    }
}

#[test]
fn the_typescript_states_are_the_core_states() {
    let states = [
        State::Idle,
        State::Creating,
        State::Resuming,
        State::Uploading,
        State::Buffering,
        State::Reconnecting,
        State::Offline,
        State::Locked,
        State::Paused,
        State::Completed,
        State::Failed,
        State::Aborted,
    ];
    states.iter().copied().for_each(listed);
    let mut want: Vec<String> = states.iter().map(|s| s.as_str().to_string()).collect();
    let mut have = union("EngineState");
    want.sort();
    have.sort();
    assert_eq!(have, want);
}
