//! Inline SVG charts: vertical bars, horizontal bars and a weekday × hour heatmap.
//!
//! Each chart is `role="img"` with a `<title>`; every bar and cell has its own `<title>` (shown
//! as a tooltip, read by screen readers). The reports put a table with the same values beside
//! each chart. All text is escaped; nothing is loaded from elsewhere.

use std::fmt::Write as _;

use super::html::esc;

const BAR: &str = "#1f5f99";
const BAR_PARTIAL: &str = "#8fb3d6";
const TEXT: &str = "#333333";
const GRID: &str = "#d0d0d0";
const EMPTY: &str = "#f1f1f1";

/// One bar: its label, value (none when suppressed or unavailable) and the text shown for it.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    /// Axis label.
    pub label: String,
    /// The value to draw.
    pub value: Option<f64>,
    /// The formatted value (with marks).
    pub text: String,
    /// Whether the value is partial (drawn lighter).
    pub partial: bool,
}

fn open(out: &mut String, id: &str, title: &str, width: u32, height: u32) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-t"><title id="{id}-t">{}</title>"#,
        esc(title)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, size: u32, content: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}" fill="{TEXT}">{}</text>"#,
        esc(content)
    );
}

fn max_value(values: impl Iterator<Item = Option<f64>>) -> f64 {
    values.flatten().fold(0.0_f64, f64::max)
}

/// Vertical bars (one per day), with the maximum marked on the y axis and every `label_every`-th
/// label on the x axis.
pub(crate) fn bars(id: &str, title: &str, bars: &[Bar]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 48.0;
    const RIGHT: f64 = 8.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 28.0;
    let mut out = String::new();
    open(&mut out, id, title, W as u32, H as u32);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let max = max_value(bars.iter().map(|b| b.value));
    let n = bars.len().max(1) as f64;
    let slot = plot_w / n;
    let label_every = bars.len().div_ceil(10).max(1);
    let _ = write!(
        out,
        r#"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{GRID}"/>"#,
        TOP + plot_h,
        W - RIGHT,
        TOP + plot_h
    );
    if max > 0.0 {
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" y1="{TOP}" x2="{:.1}" y2="{TOP}" stroke="{GRID}" stroke-dasharray="3 3"/>"#,
            W - RIGHT
        );
        if let Some(top) = bars.iter().filter(|b| b.value == Some(max)).map(|b| b.text.as_str()).next() {
            text(&mut out, LEFT - 4.0, TOP + 4.0, "end", 11, top.trim_end_matches('*'));
        }
    }
    for (i, bar) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let _ = write!(out, "<g><title>{}: {}</title>", esc(&bar.label), esc(&bar.text));
        match bar.value {
            Some(v) if max > 0.0 && v > 0.0 => {
                let h = plot_h * v / max;
                let fill = if bar.partial { BAR_PARTIAL } else { BAR };
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{fill}"/>"#,
                    x + slot * 0.15,
                    TOP + plot_h - h,
                    slot * 0.7
                );
            }
            Some(_) => {}
            None => text(&mut out, x + slot / 2.0, TOP + plot_h - 4.0, "middle", 12, &bar.text),
        }
        out.push_str("</g>");
        if i % label_every == 0 {
            text(&mut out, x + slot / 2.0, H - 10.0, "middle", 10, &bar.label);
        }
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars (one per category) scaled to the largest value, with the text beside each.
pub(crate) fn hbars(id: &str, title: &str, bars: &[Bar]) -> String {
    const W: f64 = 640.0;
    const ROW: f64 = 24.0;
    const LABEL_W: f64 = 170.0;
    const VALUE_W: f64 = 90.0;
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    let mut out = String::new();
    open(&mut out, id, title, W as u32, height as u32);
    let max = max_value(bars.iter().map(|b| b.value));
    let bar_w = W - LABEL_W - VALUE_W;
    for (i, bar) in bars.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let _ = write!(out, "<g><title>{}: {}</title>", esc(&bar.label), esc(&bar.text));
        text(&mut out, LABEL_W - 6.0, y + ROW * 0.65, "end", 12, &bar.label);
        let w = match bar.value {
            Some(v) if max > 0.0 => bar_w * v / max,
            _ => 0.0,
        };
        let fill = if bar.partial { BAR_PARTIAL } else { BAR };
        let _ = write!(
            out,
            r#"<rect x="{LABEL_W}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{fill}"/>"#,
            y + ROW * 0.15,
            ROW * 0.7
        );
        text(&mut out, LABEL_W + w + 6.0, y + ROW * 0.65, "start", 12, &bar.text);
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// One heatmap cell.
#[derive(Debug, Clone)]
pub(crate) struct HeatCell {
    /// ISO weekday 1–7.
    pub weekday: u32,
    /// Hour 0–23.
    pub hour: u32,
    /// Value to shade by (none when suppressed).
    pub value: Option<f64>,
    /// Formatted value (with marks).
    pub text: String,
}

/// A 7 × 24 grid (rows: weekdays, columns: hours); cells without data are light grey.
pub(crate) fn heatmap(id: &str, title: &str, cells: &[HeatCell], weekday_labels: &[&str; 7]) -> String {
    const LEFT: f64 = 34.0;
    const TOP: f64 = 18.0;
    const CW: f64 = 26.0;
    const CH: f64 = 22.0;
    let w = LEFT + CW * 24.0 + 4.0;
    let h = TOP + CH * 7.0 + 4.0;
    let mut out = String::new();
    open(&mut out, id, title, w as u32, h as u32);
    let max = max_value(cells.iter().map(|c| c.value));
    for hour in (0..24).step_by(2) {
        text(&mut out, LEFT + CW * f64::from(hour) + CW / 2.0, TOP - 5.0, "middle", 10, &format!("{hour:02}"));
    }
    for (row, label) in weekday_labels.iter().enumerate() {
        let y = TOP + CH * row as f64;
        text(&mut out, LEFT - 6.0, y + CH * 0.68, "end", 11, label);
        for hour in 0..24u32 {
            let x = LEFT + CW * f64::from(hour);
            let cell = cells.iter().find(|c| c.weekday == row as u32 + 1 && c.hour == hour);
            let (fill, opacity) = match cell.and_then(|c| c.value) {
                Some(v) if max > 0.0 && v > 0.0 => (BAR, 0.15 + 0.85 * v / max),
                _ => (EMPTY, 1.0),
            };
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" fill-opacity="{opacity:.2}">"#,
                x + 1.0,
                y + 1.0,
                CW - 2.0,
                CH - 2.0
            );
            if let Some(cell) = cell {
                let _ = write!(out, "<title>{} {:02}:00: {}</title>", esc(label), hour, esc(&cell.text));
            }
            out.push_str("</rect>");
            if let Some(cell) = cell.filter(|c| c.value.is_none()) {
                text(&mut out, x + CW / 2.0, y + CH * 0.68, "middle", 11, &cell.text);
            }
        }
    }
    out.push_str("</svg>");
    out
}
