//! `confstats lookup`: from an account id or a room id (external meeting id) of a support ticket
//! to its `p_` or `r_` pseudonym of each store day whose key is alive.
//!
//! Pseudonyms are computed with each day's key on the spot — no table from ids to pseudonyms is
//! stored anywhere — and a day's pseudonym says nothing about another day's (one key per epoch).
//! Every look-up is appended to the access log `DATA/access.log`: who, when, which epochs, how
//! many records — never the id.

use std::fmt::Write as _;

use anyhow::Result;
use chrono::NaiveDate;
use confstats_anonymize::{FieldClass, Pseudonymizer, columns as c};
use polars::prelude::*;
use serde::Serialize;

use super::{Store, TicketId, polars_err, scan_day};

/// What is looked up.
#[derive(Debug)]
pub enum Target {
    /// An account (IServ user id): its participant pseudonym `p_`.
    Account(TicketId),
    /// A room (external meeting id): its room pseudonym `r_`.
    Room(TicketId),
}

impl Target {
    /// The flag's name, which the access log and errors name instead of the value.
    pub fn field(&self) -> &'static str {
        match self {
            Target::Account(_) => "account",
            Target::Room(_) => "room",
        }
    }
}

/// The pseudonym of one day and what the store holds of it. Not personal data (a pseudonym and
/// counts).
#[derive(Debug, Serialize)]
pub struct DayHit {
    /// The store day.
    pub date: NaiveDate,
    /// The first day of its key epoch.
    pub epoch: NaiveDate,
    /// The pseudonym (`p_…` or `r_…`) with that day's key.
    pub pseudonym: String,
    /// Store records that carry it.
    pub events: u64,
    /// Distinct sessions among them.
    pub sessions: u64,
    /// Distinct meetings among them (`m_`).
    pub meetings: Vec<String>,
}

/// The result of a look-up. Not personal data.
#[derive(Debug, Serialize)]
pub struct Lookup {
    /// `account` or `room`.
    pub field: &'static str,
    /// One entry per store day with a live key.
    pub days: Vec<DayHit>,
}

/// Looks `target` up in every day of `store`.
pub fn lookup(store: &Store, target: &Target) -> Result<Lookup> {
    let mut days = Vec::new();
    for day in &store.days {
        let key = store.key(day)?;
        let pz = Pseudonymizer::new(&key);
        let (pseudonym, column) = match target {
            Target::Account(id) => {
                (pz.participant(Some(id.expose()), None).map(|p| p.into_string()).unwrap_or_default(), c::PARTICIPANT)
            }
            Target::Room(id) => (pz.pseudonym(FieldClass::Room, id.expose()).into_string(), c::ROOM),
        };
        let found = scan_day(day)?
            .filter(col(column).eq(lit(pseudonym.as_str())))
            .select([col(c::SESSION), col(c::MEETING)])
            .collect()
            .map_err(polars_err("read the store"))?;
        let distinct = |name: &str| -> Result<Vec<String>> {
            let mut v: Vec<String> = found
                .column(name)
                .and_then(|col| col.str().cloned())
                .map_err(polars_err("read the store"))?
                .iter()
                .flatten()
                .map(str::to_owned)
                .collect();
            v.sort();
            v.dedup();
            Ok(v)
        };
        days.push(DayHit {
            date: day.date,
            epoch: day.epoch,
            pseudonym,
            events: found.height() as u64,
            sessions: distinct(c::SESSION)?.len() as u64,
            meetings: distinct(c::MEETING)?,
        });
    }
    Ok(Lookup { field: target.field(), days })
}

/// The look-up as text: one line per day, then how to go on.
pub fn text(l: &Lookup, data: &std::path::Path) -> String {
    let mut t = String::new();
    let class = if l.field == "account" { "participant" } else { "room" };
    let _ = writeln!(
        t,
        "{class} pseudonym of the {} for each day whose key is alive (one key per day: they do not link across days)",
        l.field
    );
    let _ = writeln!(
        t,
        "{:<10}  {:<10}  {:<34}  {:>7}  {:>8}  {:>8}",
        "date", "epoch", "pseudonym", "events", "sessions", "meetings"
    );
    for d in &l.days {
        let _ = writeln!(
            t,
            "{:<10}  {:<10}  {:<34}  {:>7}  {:>8}  {:>8}",
            d.date.to_string(),
            d.epoch.to_string(),
            d.pseudonym,
            d.events,
            d.sessions,
            d.meetings.len()
        );
    }
    let found: Vec<&DayHit> = l.days.iter().filter(|d| d.events > 0).collect();
    if found.is_empty() {
        let _ = writeln!(t, "no store record carries it (wrong id, or nothing logged within retention)");
        return t;
    }
    let flag = if l.field == "account" { "participant" } else { "room" };
    let _ = writeln!(t, "\nnext:");
    for d in found.iter().take(3) {
        let _ = writeln!(t, "  confstats trace --data {} --{flag} {} --date {}", data.display(), d.pseudonym, d.date);
    }
    t
}
