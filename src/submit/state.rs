//! The life of one declaration as a state machine: one table of the allowed
//! transitions, and the actions each state offers a user. Pure: no journal, no
//! network; the engine records each transition before its next network step.
//! What the server holds and what is being edited are separate records: a
//! correction is its own record (with the server id it corrects) that goes
//! through the same states.

use serde::{Deserialize, Serialize};

use crate::fla::wire::ResultCode;

/// Where a declaration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being typed; not yet checked.
    Draft,
    /// Checked: a local rule blocks it.
    Invalid,
    /// Checked: may be sent.
    Ready,
    /// A request is on its way (its reference is stored before it leaves).
    Sending,
    /// A POST or PUT whose outcome was not seen (timeout, dropped connection, a
    /// killed process): reconciled by reference before anything is sent again.
    Unknown,
    /// The server took it (it has a declaration id) and is processing it.
    Submitted,
    Accepted,
    Warning,
    Refused,
    Cancelled,
    /// Not taken, for a reason kept beside it (network, server, no mandate):
    /// may be sent again.
    Failed,
}

impl State {
    pub const ALL: [State; 11] = [
        State::Draft,
        State::Invalid,
        State::Ready,
        State::Sending,
        State::Unknown,
        State::Submitted,
        State::Accepted,
        State::Warning,
        State::Refused,
        State::Cancelled,
        State::Failed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Invalid => "invalid",
            State::Ready => "ready",
            State::Sending => "sending",
            State::Unknown => "unknown",
            State::Submitted => "submitted",
            State::Accepted => "accepted",
            State::Warning => "warning",
            State::Refused => "refused",
            State::Cancelled => "cancelled",
            State::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The server has given its result (it may still be corrected or cancelled).
    pub fn is_result(self) -> bool {
        matches!(
            self,
            State::Accepted | State::Warning | State::Refused | State::Cancelled
        )
    }

    /// The state a server result puts a declaration in.
    pub fn of_result(result: ResultCode) -> State {
        match result {
            ResultCode::A => State::Accepted,
            ResultCode::W => State::Warning,
            ResultCode::B => State::Refused,
            ResultCode::C => State::Cancelled,
        }
    }

    /// The server's result this state stands for, where it is one.
    pub fn result(self) -> Option<ResultCode> {
        match self {
            State::Accepted => Some(ResultCode::A),
            State::Warning => Some(ResultCode::W),
            State::Refused => Some(ResultCode::B),
            State::Cancelled => Some(ResultCode::C),
            _ => None,
        }
    }

    /// Work the engine does by itself when it (re)starts: reconcile or poll.
    pub fn is_unfinished(self) -> bool {
        matches!(self, State::Sending | State::Unknown | State::Submitted)
    }

    /// What a row in this state came to, as a run counts and shows it.
    pub fn outcome(self) -> RunOutcome {
        match self {
            State::Accepted => RunOutcome::Accepted,
            State::Warning => RunOutcome::Warning,
            State::Refused => RunOutcome::Refused,
            State::Cancelled => RunOutcome::Cancelled,
            State::Invalid => RunOutcome::Invalid,
            State::Failed => RunOutcome::Failed,
            State::Unknown => RunOutcome::Unknown,
            State::Sending | State::Submitted => RunOutcome::Processing,
            State::Ready | State::Draft => RunOutcome::NotSent,
        }
    }

    /// The server accepted it, with or without warnings.
    pub fn is_accepted(self) -> bool {
        matches!(self.outcome(), RunOutcome::Accepted | RunOutcome::Warning)
    }

    /// It stands refused or not sendable as it is: refused by the server,
    /// failed, or invalid here.
    pub fn is_refused_or_failed(self) -> bool {
        matches!(
            self.outcome(),
            RunOutcome::Refused | RunOutcome::Failed | RunOutcome::Invalid
        )
    }
}

/// What a row came to, as `submit` counts it and the Bulk page shows it: the
/// states grouped once, here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RunOutcome {
    Accepted,
    Warning,
    Refused,
    Cancelled,
    Invalid,
    Failed,
    /// Sent, its outcome not seen yet (reconciled on the next run).
    Unknown,
    /// Taken by the server, result not known yet (`sending` or `submitted`).
    Processing,
    /// Never sent (`ready`, `draft`).
    NotSent,
}

/// What happens to a declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Its content was checked: no blocking rule (`true`) or one (`false`).
    Checked { valid: bool },
    /// The content changed and is not checked yet.
    Edited,
    /// The engine sends it (a POST, or a PUT for a correction).
    Send,
    /// The server answered 201/200, or 409 with the id it already had.
    Taken,
    /// The request surely did not reach the server, or the server refused it
    /// before taking it (network before sending, 400, 403, 5xx after retries).
    NotTaken,
    /// The request left but no answer was seen.
    OutcomeUnknown,
    /// The search by reference found it on the server (its id is adopted).
    FoundOnServer,
    /// The search by reference did not find it: safe to send again.
    NotOnServer,
    /// The server's result.
    Result(ResultCode),
    /// The server still processes it.
    StillProcessing,
    /// A DELETE the server took (202): the result becomes `C` after processing.
    CancelTaken,
}

impl Event {
    pub const ALL: [Event; 15] = [
        Event::Checked { valid: true },
        Event::Checked { valid: false },
        Event::Edited,
        Event::Send,
        Event::Taken,
        Event::NotTaken,
        Event::OutcomeUnknown,
        Event::FoundOnServer,
        Event::NotOnServer,
        Event::Result(ResultCode::A),
        Event::Result(ResultCode::W),
        Event::Result(ResultCode::B),
        Event::Result(ResultCode::C),
        Event::StillProcessing,
        Event::CancelTaken,
    ];
}

/// The one table of allowed transitions; `None` where an event cannot happen
/// in a state (the engine reports it rather than acting on it).
pub fn next(state: State, event: Event) -> Option<State> {
    use Event as E;
    use State as S;
    let to = match (state, event) {
        // Local editing: only records the server does not hold change content.
        (S::Draft | S::Invalid | S::Ready | S::Failed, E::Edited) => S::Draft,
        (S::Draft | S::Invalid | S::Ready | S::Failed, E::Checked { valid }) => {
            if valid {
                S::Ready
            } else {
                S::Invalid
            }
        }
        // Sending: from a checked record, or again after a failure.
        (S::Ready | S::Failed, E::Send) => S::Sending,
        (S::Sending, E::Taken) => S::Submitted,
        (S::Sending, E::NotTaken) => S::Failed,
        (S::Sending, E::OutcomeUnknown) => S::Unknown,
        // Reconciling a lost request before anything is sent again.
        (S::Unknown, E::FoundOnServer) => S::Submitted,
        (S::Unknown, E::NotOnServer) => S::Ready,
        // Polling.
        (S::Submitted, E::StillProcessing) => S::Submitted,
        // A fetch from the server may bring a newer result for what it holds.
        (S::Submitted | S::Accepted | S::Warning | S::Refused | S::Cancelled, E::Result(r)) => {
            State::of_result(r)
        }
        (S::Accepted | S::Warning | S::Refused, E::CancelTaken) => S::Submitted,
        _ => return None,
    };
    Some(to)
}

/// What a user may do with a record in a state (the buttons a row shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Change the content (a record the server does not hold).
    Edit,
    /// Send it.
    Submit,
    /// Send it again after a failure.
    Retry,
    /// Ask the server now whether it has it / its result.
    CheckAgain,
    /// Make a correction record beside it (the server keeps this one).
    Correct,
    /// Ask the server to cancel it.
    Cancel,
    /// A new draft with the same training (worker and reference cleared).
    Duplicate,
    /// Remove a record the server never held.
    Delete,
}

/// The actions a state offers, in the order a row shows them.
pub fn actions(state: State) -> &'static [Action] {
    use Action as A;
    match state {
        State::Draft | State::Invalid => &[A::Edit, A::Duplicate, A::Delete],
        State::Ready => &[A::Submit, A::Edit, A::Duplicate, A::Delete],
        // The engine owns a request in flight; the user can only look.
        State::Sending => &[A::Duplicate],
        State::Unknown | State::Submitted => &[A::CheckAgain, A::Duplicate],
        State::Accepted | State::Warning => &[A::Correct, A::Cancel, A::Duplicate],
        State::Refused => &[A::Correct, A::Cancel, A::Duplicate],
        State::Cancelled => &[A::Duplicate],
        State::Failed => &[A::Retry, A::Edit, A::Duplicate, A::Delete],
    }
}

/// The event an action leads to on the record itself, where it has one
/// (correct, duplicate and delete act on other records).
pub fn event_of(action: Action) -> Option<Event> {
    match action {
        Action::Submit | Action::Retry => Some(Event::Send),
        Action::Edit => Some(Event::Edited),
        Action::CheckAgain
        | Action::Correct
        | Action::Cancel
        | Action::Duplicate
        | Action::Delete => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashSet, VecDeque};

    /// Every transition the table allows, written out once more by hand: the
    /// table and this list must agree on every (state, event) pair.
    fn expected() -> HashSet<(State, Event, State)> {
        use Event as E;
        use ResultCode as R;
        use State as S;
        let mut out = HashSet::new();
        for s in [S::Draft, S::Invalid, S::Ready, S::Failed] {
            out.insert((s, E::Edited, S::Draft));
            out.insert((s, E::Checked { valid: true }, S::Ready));
            out.insert((s, E::Checked { valid: false }, S::Invalid));
        }
        out.insert((S::Ready, E::Send, S::Sending));
        out.insert((S::Failed, E::Send, S::Sending));
        out.insert((S::Sending, E::Taken, S::Submitted));
        out.insert((S::Sending, E::NotTaken, S::Failed));
        out.insert((S::Sending, E::OutcomeUnknown, S::Unknown));
        out.insert((S::Unknown, E::FoundOnServer, S::Submitted));
        out.insert((S::Unknown, E::NotOnServer, S::Ready));
        out.insert((S::Submitted, E::StillProcessing, S::Submitted));
        for s in [
            S::Submitted,
            S::Accepted,
            S::Warning,
            S::Refused,
            S::Cancelled,
        ] {
            out.insert((s, E::Result(R::A), S::Accepted));
            out.insert((s, E::Result(R::W), S::Warning));
            out.insert((s, E::Result(R::B), S::Refused));
            out.insert((s, E::Result(R::C), S::Cancelled));
        }
        for s in [S::Accepted, S::Warning, S::Refused] {
            out.insert((s, E::CancelTaken, S::Submitted));
        }
        out
    }

    #[test]
    fn the_table_allows_exactly_the_listed_transitions() {
        let expected = expected();
        let mut seen = HashSet::new();
        for state in State::ALL {
            for event in Event::ALL {
                match next(state, event) {
                    Some(to) => {
                        assert!(
                            expected.contains(&(state, event, to)),
                            "{state:?} --{event:?}--> {to:?} is not a listed transition"
                        );
                        seen.insert((state, event, to));
                    }
                    None => assert!(
                        !expected.iter().any(|(s, e, _)| *s == state && *e == event),
                        "{state:?} --{event:?}--> is listed but refused"
                    ),
                }
            }
        }
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_request_in_flight_or_lost_is_never_sent_again_before_reconciling() {
        for state in [State::Sending, State::Unknown, State::Submitted] {
            assert_eq!(next(state, Event::Send), None, "{state:?}");
            assert!(!actions(state).contains(&Action::Submit));
            assert!(!actions(state).contains(&Action::Retry));
        }
        // The only way from `unknown` back to sending goes through "not on the server".
        assert_eq!(next(State::Unknown, Event::NotOnServer), Some(State::Ready));
    }

    #[test]
    fn what_the_server_holds_is_never_edited_in_place() {
        for state in State::ALL {
            let server_holds = state.is_result() || state.is_unfinished();
            if server_holds {
                assert_eq!(next(state, Event::Edited), None, "{state:?}");
                assert!(!actions(state).contains(&Action::Edit), "{state:?}");
                assert!(!actions(state).contains(&Action::Delete), "{state:?}");
            }
        }
    }

    #[test]
    fn every_state_offers_a_way_forward_and_every_action_is_allowed() {
        for state in State::ALL {
            assert!(!actions(state).is_empty(), "{state:?} is a dead end");
            for action in actions(state) {
                if let Some(event) = event_of(*action) {
                    assert!(
                        next(state, event).is_some(),
                        "{state:?} offers {action:?} but the table refuses {event:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_state_is_reachable_and_can_reach_a_result() {
        let mut reached = HashSet::from([State::Draft]);
        let mut queue = VecDeque::from([State::Draft]);
        while let Some(s) = queue.pop_front() {
            for e in Event::ALL {
                if let Some(to) = next(s, e) {
                    if reached.insert(to) {
                        queue.push_back(to);
                    }
                }
            }
        }
        assert_eq!(reached.len(), State::ALL.len(), "{reached:?}");
        for start in State::ALL {
            let mut seen = HashSet::from([start]);
            let mut queue = VecDeque::from([start]);
            let mut found = start.is_result();
            while let Some(s) = queue.pop_front() {
                for e in Event::ALL {
                    if let Some(to) = next(s, e) {
                        found |= to.is_result();
                        if seen.insert(to) {
                            queue.push_back(to);
                        }
                    }
                }
            }
            assert!(found, "{start:?} can never reach a result");
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.code()), Some(s));
        }
        assert_eq!(State::parse("processing"), None);
    }
}
