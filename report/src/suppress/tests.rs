//! Tests of small-count suppression: hand-made tables for each rule, property tests for the
//! privacy promises (no small people count, no recoverable cell, released cells unchanged).

use std::collections::{BTreeMap, HashMap, HashSet};

use polars::prelude::{Column, DataFrame, DataType};
use proptest::prelude::*;

use super::*;
use crate::tables::col::*;
use crate::tables::{ALL, DAILY_USAGE, USAGE_BY_CLIENT, USAGE_BY_HOUR};

/// First day of the generated tables (days since 1970-01-01).
const BASE_DAY: i32 = 19_800;

/// One generated cell: its group, its number within the group, its people and its minutes.
///
/// Key columns in the group (for a table without group: `date`) take their value from `group`,
/// the other key columns from `cell`: `date` = BASE_DAY + n, `hour` = n, strings `g<n>` / `v<n>`.
#[derive(Debug, Clone)]
struct Cell {
    group: usize,
    cell: usize,
    people: Option<u32>,
    minutes: f64,
}

/// A figure value as generated or read back.
#[derive(Debug, Clone, Copy, PartialEq)]
enum V {
    U(Option<u32>),
    F(Option<f64>),
    B(Option<bool>),
}

impl V {
    /// The value as a number (for sums).
    fn number(self) -> Option<f64> {
        match self {
            V::U(x) => x.map(f64::from),
            V::F(x) => x,
            V::B(_) => None,
        }
    }

    fn is_null(self) -> bool {
        matches!(self, V::U(None) | V::F(None) | V::B(None))
    }
}

/// A key value, ordered the way the table is sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum KeyPart {
    I(i64),
    S(String),
}

fn from_group(spec: &TableSpec, name: &str) -> bool {
    if spec.group.is_empty() { name == DATE } else { spec.group.contains(&name) }
}

fn key_part(spec: &TableSpec, name: &str, cell: &Cell) -> KeyPart {
    let (n, prefix) = if from_group(spec, name) { (cell.group, "g") } else { (cell.cell, "v") };
    match name {
        DATE => KeyPart::I(i64::from(BASE_DAY) + n as i64),
        HOUR => KeyPart::I(n as i64),
        _ => KeyPart::S(format!("{prefix}{n}")),
    }
}

fn cell_key(spec: &TableSpec, cell: &Cell) -> Vec<KeyPart> {
    spec.keys.iter().map(|name| key_part(spec, name, cell)).collect()
}

/// The `protects` label of a cell of a grouped table.
fn label(spec: &TableSpec, cell: &Cell) -> String {
    let pairs: Vec<String> = spec
        .keys
        .iter()
        .filter(|name| !spec.group.contains(name))
        .map(|name| match key_part(spec, name, cell) {
            KeyPart::I(n) => format!("{name}={n}"),
            KeyPart::S(s) => format!("{name}={s}"),
        })
        .collect();
    pairs.join(",")
}

fn is_float(name: &str) -> bool {
    name.ends_with("_minutes") || name.ends_with("_share")
}

/// The generated value of figure `name` in `cell`.
fn figure(spec: &TableSpec, name: &str, cell: &Cell) -> V {
    let other = cell.people.unwrap_or(0) * 3 + cell.cell as u32;
    match name {
        WEEKDAY => V::U(Some(1 + (cell.group % 7) as u32)),
        OUTSIDE_SCHOOL_HOURS => V::B(Some(cell.cell.is_multiple_of(2))),
        PARTICIPANT_MINUTES => V::F(Some(cell.minutes)),
        n if n == spec.people => V::U(cell.people),
        n if is_float(n) => V::F(Some(cell.minutes / 4.0)),
        _ => V::U(Some(other)),
    }
}

/// The aggregate frame of `cells` for `spec`, in the order given.
fn build(spec: &TableSpec, cells: &[Cell]) -> DataFrame {
    let mut columns = Vec::new();
    for &name in spec.keys {
        let parts: Vec<KeyPart> = cells.iter().map(|c| key_part(spec, name, c)).collect();
        let column = match name {
            DATE => {
                let days: Vec<i32> =
                    parts.iter().map(|p| if let KeyPart::I(n) = p { *n as i32 } else { unreachable!() }).collect();
                Column::new(name.into(), days).cast(&DataType::Date).unwrap()
            }
            HOUR => {
                let hours: Vec<u32> =
                    parts.iter().map(|p| if let KeyPart::I(n) = p { *n as u32 } else { unreachable!() }).collect();
                Column::new(name.into(), hours)
            }
            _ => {
                let values: Vec<String> =
                    parts.into_iter().map(|p| if let KeyPart::S(s) = p { s } else { unreachable!() }).collect();
                Column::new(name.into(), values)
            }
        };
        columns.push(column);
    }
    for &name in spec.figures {
        let values = cells.iter().map(|c| figure(spec, name, c));
        let column = if is_float(name) {
            let values: Vec<Option<f64>> = values.map(|v| if let V::F(x) = v { x } else { unreachable!() }).collect();
            Column::new(name.into(), values)
        } else if name == OUTSIDE_SCHOOL_HOURS {
            let values: Vec<Option<bool>> = values.map(|v| if let V::B(x) = v { x } else { unreachable!() }).collect();
            Column::new(name.into(), values)
        } else {
            let values: Vec<Option<u32>> = values.map(|v| if let V::U(x) = v { x } else { unreachable!() }).collect();
            Column::new(name.into(), values)
        };
        columns.push(column);
    }
    DataFrame::new(cells.len(), columns).unwrap()
}

fn run(spec: &TableSpec, k: u32, cells: &[Cell]) -> Released {
    let agg = Aggregate::new(*spec, build(spec, cells)).unwrap();
    suppress(agg, K::try_new(k).unwrap()).unwrap()
}

/// Cells of one group with the given people counts (minutes: 10 per person).
fn group(group: usize, people: &[Option<u32>]) -> Vec<Cell> {
    people
        .iter()
        .enumerate()
        .map(|(cell, &p)| Cell { group, cell, people: p, minutes: f64::from(p.unwrap_or(0)) * 10.0 })
        .collect()
}

fn strings(released: &Released, name: &str) -> Vec<Option<String>> {
    let column = released.frame().column(name).unwrap();
    column.str().unwrap().iter().map(|s| s.map(str::to_owned)).collect()
}

fn flags(released: &Released) -> Vec<Option<String>> {
    strings(released, SUPPRESSED)
}

fn protects(released: &Released) -> Vec<Option<String>> {
    strings(released, PROTECTS)
}

fn p(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// Reads a figure column back as generated values.
fn read(frame: &DataFrame, name: &str) -> Vec<V> {
    let column = frame.column(name).unwrap();
    match column.dtype() {
        DataType::UInt32 => column.u32().unwrap().iter().map(V::U).collect(),
        DataType::Float64 => column.f64().unwrap().iter().map(V::F).collect(),
        DataType::Boolean => column.bool().unwrap().iter().map(V::B).collect(),
        other => panic!("unexpected figure type {other:?} of {name}"),
    }
}

/// Reads the key columns back, one key per row.
fn read_keys(spec: &TableSpec, frame: &DataFrame) -> Vec<Vec<KeyPart>> {
    let mut keys = vec![Vec::new(); frame.height()];
    for &name in spec.keys {
        let column = frame.column(name).unwrap();
        let parts: Vec<KeyPart> = match name {
            DATE => column.date().unwrap().physical().iter().map(|d| KeyPart::I(i64::from(d.unwrap()))).collect(),
            HOUR => column.u32().unwrap().iter().map(|h| KeyPart::I(i64::from(h.unwrap()))).collect(),
            _ => column.str().unwrap().iter().map(|s| KeyPart::S(s.unwrap().to_owned())).collect(),
        };
        for (key, part) in keys.iter_mut().zip(parts) {
            key.push(part);
        }
    }
    keys
}

#[test]
fn k_below_three_is_refused() {
    assert!(matches!(K::try_new(2), Err(Error::Config { field: "k", .. })));
    assert!(matches!(K::try_new(0), Err(Error::Config { field: "k", .. })));
    assert_eq!(K::try_new(3).unwrap().get(), 3);
    assert_eq!(K::try_new(3).unwrap(), K::MIN);
    assert_eq!(K::default(), K::DEFAULT);
    assert_eq!(K::DEFAULT.get(), 5);
    assert_eq!(K::DEFAULT.to_string(), "5");
}

#[test]
fn cell_below_k_is_primary_and_table_without_group_gets_no_secondary() {
    // daily_usage: no group; one "group" here is one date, the schools are the cells.
    let mut cells = group(0, &[Some(4), Some(5), Some(12), Some(0), None]);
    cells.extend(group(1, &[Some(1), Some(30)]));
    let released = run(&DAILY_USAGE, 5, &cells);
    assert_eq!(released.spec().name, DAILY_USAGE.name);
    assert_eq!(released.k().get(), 5);
    assert_eq!(released.height(), 7);
    assert_eq!(
        flags(&released),
        [p(PRIMARY), None, None, p(PRIMARY), p(PRIMARY), p(PRIMARY), None],
        "only cells below k (or without a count) are suppressed"
    );
    assert_eq!(protects(&released), vec![None; 7]);
    assert_eq!(released.suppressed_cells(), 4);
    assert_eq!(read(released.frame(), PARTICIPANTS), [None, Some(5), Some(12), None, None, None, Some(30)].map(V::U));
}

#[test]
fn group_with_one_primary_gets_a_secondary_that_names_it() {
    // The smallest released cell is v2 (9); v3 ties with it but comes later in key order.
    let mut cells = group(0, &[Some(2), Some(30), Some(9), Some(9)]);
    cells.extend(group(1, &[Some(6), Some(7)]));
    let released = run(&USAGE_BY_CLIENT, 5, &cells);
    assert_eq!(flags(&released), [p(PRIMARY), None, p(SECONDARY), None, None, None]);
    assert_eq!(protects(&released), [None, None, p("value=v0"), None, None, None]);
    assert_eq!(released.suppressed_cells(), 2);
}

#[test]
fn suppressed_sum_below_k_gets_another_cell_protecting_the_smallest_primary() {
    // v0 + v1 = 3 < 5: the margin minus the released cells would give 3 people.
    let cells = group(0, &[Some(2), Some(1), Some(8), Some(6)]);
    let released = run(&USAGE_BY_CLIENT, 5, &cells);
    assert_eq!(flags(&released), [p(PRIMARY), p(PRIMARY), None, p(SECONDARY)]);
    assert_eq!(protects(&released), [None, None, None, p("value=v1")]);
}

#[test]
fn two_primaries_of_at_least_k_together_need_no_secondary() {
    let cells = group(0, &[Some(3), Some(4), Some(20)]);
    let released = run(&USAGE_BY_CLIENT, 5, &cells);
    assert_eq!(flags(&released), [p(PRIMARY), p(PRIMARY), None]);
    assert_eq!(protects(&released), [None, None, None]);
}

#[test]
fn group_without_released_cells_stays_suppressed() {
    let mut cells = group(0, &[Some(2)]);
    cells.extend(group(1, &[Some(1), None]));
    cells.extend(group(2, &[Some(1), Some(40)]));
    let released = run(&USAGE_BY_CLIENT, 5, &cells);
    assert_eq!(flags(&released), [p(PRIMARY), p(PRIMARY), p(PRIMARY), p(PRIMARY), p(SECONDARY)]);
    assert_eq!(protects(&released), [None, None, None, None, p("value=v0")]);
}

#[test]
fn suppressed_rows_lose_every_figure_but_keep_keys_and_derived_columns() {
    let cells = group(3, &[Some(3), Some(10), Some(12)]);
    let released = run(&USAGE_BY_HOUR, 5, &cells);
    assert_eq!(flags(&released), [p(PRIMARY), p(SECONDARY), None]);
    assert_eq!(protects(&released), [None, p("hour=0"), None]);
    let frame = released.frame();
    assert_eq!(read_keys(&USAGE_BY_HOUR, frame), cells.iter().map(|c| cell_key(&USAGE_BY_HOUR, c)).collect::<Vec<_>>());
    for &name in USAGE_BY_HOUR.figures {
        let values = read(frame, name);
        let input: Vec<V> = cells.iter().map(|c| figure(&USAGE_BY_HOUR, name, c)).collect();
        assert_eq!(values[2], input[2], "released cell of {name} changed");
        if DERIVED.contains(&name) {
            assert_eq!(values[..2], input[..2], "derived {name} must stay");
        } else {
            assert!(values[..2].iter().all(|v| v.is_null()), "{name} of a suppressed cell must be null: {values:?}");
        }
    }
}

#[test]
fn output_has_keys_figures_and_flags_in_order_sorted_by_keys() {
    let cells = group(0, &[Some(8), Some(2), Some(9), Some(7)]);
    let mut shuffled: Vec<Cell> = cells.iter().rev().cloned().collect();
    shuffled.rotate_left(1);
    let mut df = build(&USAGE_BY_HOUR, &shuffled);
    df.with_column(Column::new("extra".into(), vec!["x"; 4])).unwrap();
    let released = suppress(Aggregate::new(USAGE_BY_HOUR, df).unwrap(), K::DEFAULT).unwrap();
    let frame = released.frame();
    let names: Vec<&str> = frame.get_column_names().into_iter().map(|n| n.as_str()).collect();
    let expected: Vec<&str> =
        USAGE_BY_HOUR.keys.iter().chain(USAGE_BY_HOUR.figures).copied().chain([SUPPRESSED, PROTECTS]).collect();
    assert_eq!(names, expected);
    assert_eq!(frame.column(SUPPRESSED).unwrap().dtype(), &DataType::String);
    assert_eq!(frame.column(PROTECTS).unwrap().dtype(), &DataType::String);
    assert_eq!(read_keys(&USAGE_BY_HOUR, frame), cells.iter().map(|c| cell_key(&USAGE_BY_HOUR, c)).collect::<Vec<_>>());
    assert_eq!(flags(&released), [None, p(PRIMARY), None, p(SECONDARY)]);
    assert_eq!(protects(&released), [None, None, None, p("hour=1")]);
}

#[test]
fn aggregate_without_a_figure_or_with_mistyped_people_is_refused() {
    let cells = group(0, &[Some(8), Some(2)]);
    let missing = build(&USAGE_BY_CLIENT, &cells).drop(PARTICIPANT_MINUTES).unwrap();
    assert!(matches!(
        Aggregate::new(USAGE_BY_CLIENT, missing),
        Err(Error::Polars { what, .. }) if what == USAGE_BY_CLIENT.name
    ));
    let mut mistyped = build(&USAGE_BY_CLIENT, &cells);
    let people = mistyped.column(PARTICIPANTS).unwrap().cast(&DataType::Float64).unwrap();
    mistyped.with_column(people).unwrap();
    assert!(matches!(Aggregate::new(USAGE_BY_CLIENT, mistyped), Err(Error::Polars { .. })));
    let missing_key = build(&USAGE_BY_CLIENT, &cells).drop(VALUE).unwrap();
    assert!(Aggregate::new(USAGE_BY_CLIENT, missing_key).is_err());
}

#[test]
fn empty_table_is_released_empty() {
    let released = run(&USAGE_BY_CLIENT, 5, &[]);
    assert_eq!(released.height(), 0);
    assert_eq!(released.suppressed_cells(), 0);
    assert_eq!(released.frame().width(), USAGE_BY_CLIENT.keys.len() + USAGE_BY_CLIENT.figures.len() + 2);
}

#[test]
fn small_count_in_another_people_column_suppresses_the_cell() {
    const SPEC: TableSpec = TableSpec {
        name: "test",
        keys: &[DATE, SCHOOL, HOUR],
        group: &[DATE, SCHOOL],
        people: PARTICIPANTS,
        people_counts: &[PARTICIPANTS, AUDIO_SESSIONS],
        figures: &[PARTICIPANTS, AUDIO_SESSIONS],
    };
    let date = Column::new(DATE.into(), vec![BASE_DAY; 3]).cast(&DataType::Date).unwrap();
    let df = DataFrame::new(
        3,
        vec![
            date,
            Column::new(SCHOOL.into(), vec!["g0"; 3]),
            Column::new(HOUR.into(), vec![8_u32, 9, 10]),
            Column::new(PARTICIPANTS.into(), vec![10_u32, 10, 10]),
            Column::new(AUDIO_SESSIONS.into(), vec![2_u32, 0, 7]),
        ],
    )
    .unwrap();
    let released = suppress(Aggregate::new(SPEC, df).unwrap(), K::DEFAULT).unwrap();
    assert_eq!(flags(&released), [p(PRIMARY), p(SECONDARY), None]);
    assert_eq!(protects(&released), [None, p("hour=8"), None]);
    let audio = released.frame().column(AUDIO_SESSIONS).unwrap().u32().unwrap().iter().collect::<Vec<_>>();
    assert_eq!(audio, [None, None, Some(7)]);
}

#[test]
fn large_table_is_suppressed() {
    // A smoke test at scale: 200 000 cells in 40 000 groups.
    let cells: Vec<Cell> =
        (0..200_000).map(|i| Cell { group: i / 5, cell: i % 5, people: Some((i % 13) as u32), minutes: 1.0 }).collect();
    let released = run(&USAGE_BY_CLIENT, 5, &cells);
    assert_eq!(released.height(), cells.len());
    let released_people: Vec<u32> =
        released.frame().column(PARTICIPANTS).unwrap().u32().unwrap().iter().flatten().collect();
    assert!(released_people.iter().all(|&p| p >= 5));
    assert!(!released_people.is_empty());
    assert!(released.suppressed_cells() > 0);
}

/// A random table: (index into ALL, k, cells).
fn tables() -> impl Strategy<Value = (usize, u32, Vec<Cell>)> {
    let cell = (prop::option::weighted(0.95, 0_u32..40), 0_u32..5_000);
    let groups = prop::collection::vec(prop::collection::vec(cell, 1..=8), 1..=20);
    (0..ALL.len(), 3_u32..=10, groups).prop_map(|(spec, k, groups)| {
        let cells = groups
            .into_iter()
            .enumerate()
            .flat_map(|(group, cells)| {
                cells.into_iter().enumerate().map(move |(cell, (people, tenths))| Cell {
                    group,
                    cell,
                    people,
                    minutes: f64::from(tenths) / 10.0,
                })
            })
            .collect();
        (spec, k, cells)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn released_tables_keep_the_privacy_promises((index, k, cells) in tables()) {
        let spec = ALL[index];
        // Feed the rows in another order than the keys': suppression sorts them.
        let input: Vec<Cell> = cells.iter().rev().cloned().collect();
        let released = run(&spec, k, &input);
        let frame = released.frame();
        prop_assert_eq!(frame.height(), cells.len());

        // Which input cell each output row is.
        let by_key: HashMap<Vec<KeyPart>, &Cell> = cells.iter().map(|c| (cell_key(&spec, c), c)).collect();
        let keys = read_keys(&spec, frame);
        let mut sorted = keys.clone();
        sorted.sort();
        prop_assert_eq!(&keys, &sorted, "rows not sorted by the keys");
        let rows: Vec<&Cell> = keys.iter().map(|key| by_key[key]).collect();
        prop_assert_eq!(rows.iter().map(|c| (c.group, c.cell)).collect::<HashSet<_>>().len(), cells.len());

        let flags = flags(&released);
        let protects = protects(&released);
        let figures: BTreeMap<&str, Vec<V>> = spec.figures.iter().map(|&name| (name, read(frame, name))).collect();

        // (a) No released people count in 1..k-1.
        for &name in spec.people_counts {
            for value in &figures[name] {
                if let V::U(Some(count)) = *value {
                    prop_assert!(count == 0 || count >= k, "{} = {} released with k = {}", name, count, k);
                }
            }
        }

        // (c) Released cells keep their values; suppressed cells keep only keys and derived
        // columns; primary exactly where the people count is below k.
        for (row, cell) in rows.iter().enumerate() {
            let below_k = cell.people.is_none_or(|p| p < k);
            prop_assert_eq!(flags[row].as_deref() == Some(PRIMARY), below_k, "row {:?}", cell);
            for &name in spec.figures {
                let value = figures[name][row];
                if flags[row].is_none() || DERIVED.contains(&name) {
                    prop_assert_eq!(value, figure(&spec, name, cell), "{} of {:?}", name, cell);
                } else {
                    prop_assert!(value.is_null(), "{} of suppressed {:?} is {:?}", name, cell, value);
                }
            }
            if flags[row].as_deref() != Some(SECONDARY) {
                prop_assert_eq!(&protects[row], &None);
            }
        }

        if spec.group.is_empty() {
            prop_assert!(!flags.iter().any(|f| f.as_deref() == Some(SECONDARY)), "secondary in {}", spec.name);
            return Ok(());
        }

        // (b) The attacker's view: the group's margin (released elsewhere) minus its released
        // cells gives the suppressed cells' sum, of people and of an additive figure.
        let additive = if spec.figures.contains(&PARTICIPANT_MINUTES) { PARTICIPANT_MINUTES } else { SESSIONS };
        prop_assert!(spec.figures.contains(&additive));
        let mut margins: BTreeMap<usize, (u64, f64, usize)> = BTreeMap::new();
        for cell in &cells {
            let margin = margins.entry(cell.group).or_default();
            margin.0 += u64::from(cell.people.unwrap_or(0));
            margin.1 += figure(&spec, additive, cell).number().unwrap_or(0.0);
            margin.2 += 1;
        }
        let mut seen: BTreeMap<usize, (u64, f64, usize)> = BTreeMap::new();
        for (row, cell) in rows.iter().enumerate() {
            let released_part = seen.entry(cell.group).or_default();
            if flags[row].is_none() {
                let people = figures[spec.people][row];
                let amount = figures[additive][row].number();
                if let (V::U(Some(people)), Some(amount)) = (people, amount) {
                    released_part.0 += u64::from(people);
                    released_part.1 += amount;
                    released_part.2 += 1;
                } else {
                    prop_assert!(false, "released row {:?} lacks {} or {}", cell, spec.people, additive);
                }
            }
        }
        for (group, &(people, amount, count)) in &margins {
            if people < u64::from(k) {
                continue; // The margin itself is suppressed.
            }
            let (released_people, released_amount, released_count) = seen.get(group).copied().unwrap_or_default();
            let suppressed = count - released_count;
            let recovered_people = people - released_people;
            let recovered_amount = amount - released_amount;
            prop_assert!(
                suppressed != 1,
                "group {} reveals its one suppressed cell: {} people, {} = {:.1}",
                group, recovered_people, additive, recovered_amount
            );
            if suppressed >= 2 {
                prop_assert!(
                    recovered_people >= u64::from(k),
                    "group {}: the {} suppressed cells sum to {} people < k = {}",
                    group, suppressed, recovered_people, k
                );
            }
        }

        // (d) Every secondary cell names a primary cell of its group.
        let primaries: HashSet<(usize, String)> = rows
            .iter()
            .enumerate()
            .filter(|(row, _)| flags[*row].as_deref() == Some(PRIMARY))
            .map(|(_, cell)| (cell.group, label(&spec, cell)))
            .collect();
        for (row, cell) in rows.iter().enumerate() {
            if flags[row].as_deref() == Some(SECONDARY) {
                let named = protects[row].clone();
                prop_assert!(named.is_some(), "secondary {:?} protects nothing", cell);
                let named = named.unwrap_or_default();
                prop_assert!(
                    primaries.contains(&(cell.group, named.clone())),
                    "secondary {:?} protects {}, not a primary cell of its group", cell, named
                );
            }
        }
    }
}
