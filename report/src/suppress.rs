//! Small-count suppression (DESIGN.md rule 8, "Definitions" → "Suppression").
//!
//! An [`Aggregate`] (a table as computed, which may hold cells of fewer than k people) becomes a
//! [`Released`] table only through [`suppress`], the one place that builds a `Released`; only
//! `Released` tables are written or rendered.
//!
//! - **Primary.** A cell (row) whose people column ([`TableSpec::people`]) is below k or null, or
//!   any of whose other [`TableSpec::people_counts`] lies in 1..k-1, is suppressed:
//!   `suppressed = "primary"`.
//! - **Secondary (complementary).** When [`TableSpec::group`] is non-empty, the cells of a group
//!   add up to a total that is released elsewhere (the school-day total of every breakdown).
//!   Within each group, while exactly one cell is suppressed, or the people of the suppressed cells
//!   sum to less than k, the released cell with the fewest people (ties: the first in key order) is
//!   suppressed too: `suppressed = "secondary"`, and `protects` names the primary cell it protects
//!   (the one with the fewest people) by its key columns outside the group, e.g. `hour=7`. When no
//!   released cell remains, every cell of the group is suppressed and the loop stops.
//! - **No group.** Cells are independent: every total built over them (periods, the fleet) is
//!   made of released cells only, so primary suppression suffices.
//!
//! In a suppressed row every figure is null, except the [`DERIVED`] columns, which follow from
//! the keys alone. Keys stay, so readers see which cells exist and show them as ".".

use std::collections::HashMap;
use std::fmt;

use polars::prelude::{
    BooleanChunked, Column, DataFrame, DataType, IntoColumn, NewChunkedArray, PlSmallStr, SortMultipleOptions,
    StringChunked,
};

use crate::error::{Error, PolarsContext, Result};
use crate::tables::{TableSpec, col};

/// Figure columns computed from the keys alone (`usage_by_hour`: the weekday of `date`, whether
/// `hour` lies outside school hours); they reveal nothing about the people in a cell and are kept
/// in suppressed rows.
pub(crate) const DERIVED: &[&str] = &[col::WEEKDAY, col::OUTSIDE_SCHOOL_HOURS];

/// Value of [`col::SUPPRESSED`] for a cell of fewer than k participants.
pub(crate) const PRIMARY: &str = "primary";
/// Value of [`col::SUPPRESSED`] for a cell suppressed so that a primary cell cannot be recomputed.
pub(crate) const SECONDARY: &str = "secondary";

/// The suppression threshold k. Not personal data.
///
/// A people count is released only when it is at least k; k is at least [`K::MIN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct K(u32);

impl K {
    /// The default threshold, 5.
    pub const DEFAULT: K = K(5);
    /// The smallest threshold accepted, 3 (German statistical offices' minimum).
    pub const MIN: K = K(3);

    /// Checks a configured threshold.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] (field `k`) when `k` is below [`K::MIN`].
    pub fn try_new(k: u32) -> Result<K> {
        if k < Self::MIN.0 {
            return Err(Error::Config { field: "k", reason: format!("must be at least {} (got {k})", Self::MIN.0) });
        }
        Ok(K(k))
    }

    /// The threshold as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for K {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for K {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An aggregate before suppression; no personal data, but it may hold small counts: never
/// written, never public.
#[derive(Debug, Clone)]
pub(crate) struct Aggregate {
    spec: TableSpec,
    df: DataFrame,
}

impl Aggregate {
    /// Wraps a computed table after checking that it has every key and figure column of `spec`
    /// and that the people column is `UInt32`. Other columns are dropped by [`suppress`].
    ///
    /// # Errors
    ///
    /// [`Error::Polars`] naming the table when a column is missing or the people column has
    /// another type (a bug of the aggregation, not the user's mistake).
    pub(crate) fn new(spec: TableSpec, df: DataFrame) -> Result<Self> {
        for name in spec.keys.iter().chain(spec.figures) {
            df.column(name).ctx(spec.name)?;
        }
        df.column(spec.people).ctx(spec.name)?.u32().ctx(spec.name)?;
        for name in spec.people_counts {
            df.column(name).ctx(spec.name)?.u32().ctx(spec.name)?;
        }
        Ok(Self { spec, df })
    }
}

/// A statistics table after small-count suppression; holds no personal data.
///
/// The only kind of table that may be written or rendered: no people count in it lies in 1..k-1,
/// and no suppressed cell can be recomputed from its group's total. Only the suppression step
/// builds one.
///
/// Columns: [`TableSpec::keys`], [`TableSpec::figures`], then [`col::SUPPRESSED`] (`primary`,
/// `secondary` or null) and [`col::PROTECTS`]; rows sorted by the keys.
#[derive(Debug, Clone)]
pub struct Released {
    spec: TableSpec,
    k: K,
    df: DataFrame,
}

impl Released {
    /// The table's description.
    pub fn spec(&self) -> &TableSpec {
        &self.spec
    }

    /// The threshold the table was suppressed with.
    pub fn k(&self) -> K {
        self.k
    }

    /// The released frame (read-only).
    pub fn frame(&self) -> &DataFrame {
        &self.df
    }

    /// Number of rows (released and suppressed cells).
    pub fn height(&self) -> usize {
        self.df.height()
    }

    /// Number of suppressed cells (primary and secondary).
    pub fn suppressed_cells(&self) -> usize {
        self.df.column(col::SUPPRESSED).map_or(0, |c| c.len() - c.null_count())
    }
}

/// What suppression decided for one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flag {
    Released,
    Primary,
    Secondary,
}

impl Flag {
    fn label(self) -> Option<&'static str> {
        match self {
            Flag::Released => None,
            Flag::Primary => Some(PRIMARY),
            Flag::Secondary => Some(SECONDARY),
        }
    }
}

/// Applies primary and secondary suppression with threshold `k` (see the module docs).
///
/// Runs in O(n log n) for n rows: the flags are computed on column vectors, then applied by
/// rebuilding each figure column once.
///
/// # Errors
///
/// [`Error::Polars`] naming the table when polars fails (selecting, sorting, casting a key).
pub(crate) fn suppress(agg: Aggregate, k: K) -> Result<Released> {
    let Aggregate { spec, df } = agg;
    let what = spec.name;
    let df = df.select(spec.keys.iter().chain(spec.figures)).ctx(what)?;
    let df = df.sort(spec.keys, SortMultipleOptions::default().with_maintain_order(true)).ctx(what)?;
    let n = df.height();

    let people: Vec<Option<u32>> = df.column(spec.people).ctx(what)?.u32().ctx(what)?.iter().collect();
    let mut flags: Vec<Flag> =
        people.iter().map(|p| if p.is_none_or(|p| p < k.get()) { Flag::Primary } else { Flag::Released }).collect();
    for name in spec.people_counts.iter().filter(|&&name| name != spec.people) {
        let counts = df.column(name).ctx(what)?.u32().ctx(what)?;
        for (flag, count) in flags.iter_mut().zip(counts.iter()) {
            if count.is_some_and(|c| (1..k.get()).contains(&c)) {
                *flag = Flag::Primary;
            }
        }
    }

    // For each secondary row, the row of the primary cell it protects.
    let mut protects: Vec<Option<usize>> = vec![None; n];
    if !spec.group.is_empty() && flags.contains(&Flag::Primary) {
        for rows in groups(&df, spec.group, what)? {
            protect_group(&rows, &people, k.get(), &mut flags, &mut protects);
        }
    }

    let protects = label_protected(&df, &spec, &protects, what)?;
    let any_suppressed = flags.iter().any(|&f| f != Flag::Released);
    let released = BooleanChunked::from_iter_values(PlSmallStr::EMPTY, flags.iter().map(|&f| f == Flag::Released));
    let mut columns = Vec::with_capacity(df.width() + 2);
    for column in df.into_columns() {
        let name = column.name().as_str();
        let nulled = any_suppressed && spec.figures.contains(&name) && !DERIVED.contains(&name);
        if nulled {
            let nulls = Column::full_null(column.name().clone(), n, column.dtype());
            columns.push(column.zip_with(&released, &nulls).ctx(what)?);
        } else {
            columns.push(column);
        }
    }
    columns
        .push(StringChunked::from_iter_options(col::SUPPRESSED.into(), flags.iter().map(|f| f.label())).into_column());
    columns.push(StringChunked::from_iter_options(col::PROTECTS.into(), protects.into_iter()).into_column());
    let df = DataFrame::new(n, columns).ctx(what)?;
    Ok(Released { spec, k, df })
}

/// The rows of each group (rows in key order), grouping by the string form of the `group`
/// columns.
fn groups(df: &DataFrame, group: &[&str], what: &str) -> Result<Vec<Vec<usize>>> {
    let n = df.height();
    let mut keys: Vec<String> = vec![String::new(); n];
    for name in group {
        let column = df.column(name).ctx(what)?.cast(&DataType::String).ctx(what)?;
        let values = column.str().ctx(what)?;
        for (key, value) in keys.iter_mut().zip(values.iter()) {
            // Length-prefixed, so that no two different rows of values give the same key.
            match value {
                Some(value) => {
                    key.push_str(&value.len().to_string());
                    key.push(':');
                    key.push_str(value);
                }
                None => key.push('-'),
            }
        }
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (row, key) in keys.iter().enumerate() {
        let next = groups.len();
        let g = *index.entry(key.as_str()).or_insert(next);
        if g == next {
            groups.push(Vec::new());
        }
        groups[g].push(row);
    }
    Ok(groups)
}

/// Secondary suppression within one group (`rows` in key order).
fn protect_group(rows: &[usize], people: &[Option<u32>], k: u32, flags: &mut [Flag], protects: &mut [Option<usize>]) {
    let count = |row: usize| u64::from(people[row].unwrap_or(0));
    let Some(target) = rows.iter().copied().filter(|&r| flags[r] == Flag::Primary).min_by_key(|&r| (count(r), r))
    else {
        return;
    };
    let mut suppressed = 0_usize;
    let mut sum = 0_u64;
    for &row in rows.iter().filter(|&&r| flags[r] != Flag::Released) {
        suppressed += 1;
        sum += count(row);
    }
    let mut candidates: Vec<usize> = rows.iter().copied().filter(|&r| flags[r] == Flag::Released).collect();
    // Row numbers follow key order (the frame is sorted), so ties go to the first in key order.
    candidates.sort_unstable_by_key(|&r| (count(r), r));
    let mut candidates = candidates.into_iter();
    while suppressed == 1 || sum < u64::from(k) {
        let Some(row) = candidates.next() else { break };
        flags[row] = Flag::Secondary;
        protects[row] = Some(target);
        suppressed += 1;
        sum += count(row);
    }
}

/// The `protects` column: for each secondary row, the protected cell's key columns outside the
/// group as `col=value` pairs joined with `,`.
fn label_protected(
    df: &DataFrame,
    spec: &TableSpec,
    protects: &[Option<usize>],
    what: &str,
) -> Result<Vec<Option<String>>> {
    if protects.iter().all(Option::is_none) {
        return Ok(vec![None; protects.len()]);
    }
    let mut parts = Vec::new();
    for name in spec.keys.iter().filter(|name| !spec.group.contains(name)) {
        let column = df.column(name).ctx(what)?.cast(&DataType::String).ctx(what)?;
        parts.push((*name, column.str().ctx(what)?.clone()));
    }
    let mut labels: HashMap<usize, String> = HashMap::new();
    let mut label = |row: usize| -> String {
        labels
            .entry(row)
            .or_insert_with(|| {
                let pairs: Vec<String> = parts
                    .iter()
                    .map(|(name, values)| format!("{name}={}", values.get(row).unwrap_or("null")))
                    .collect();
                pairs.join(",")
            })
            .clone()
    };
    Ok(protects.iter().map(|p| p.map(&mut label)).collect())
}

#[cfg(test)]
mod tests;
