//! Numbers as people read them: `1,234,567`, `5M`, `1.5 GiB`, `2 h 1 min`.

/// `16,777,216`: every digit, grouped by thousands.
pub fn fmt_count(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `5M`, `1.2k`, `350`, `2.5G`: a count for an axis or a label.
pub fn human_count(x: f64) -> String {
    let a = x.abs();
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, "G")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let text = if v.fract().abs() < 1e-9 || v.abs() >= 100.0 { format!("{v:.0}") } else { format!("{v:.1}") };
    format!("{}{unit}", text.trim_end_matches(".0"))
}

/// `1.5 GiB`, `512 MiB`, `12 KiB`, `100 B`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = b as f64;
    let mut u = 0;
    while x >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else if x < 10.0 {
        format!("{x:.1} {}", UNITS[u])
    } else {
        format!("{x:.0} {}", UNITS[u])
    }
}

/// `3 h 20 min`, `12 min`, `40 s`, `4.2 s`, `12 ms`.
pub fn human_duration(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if s < 10.0 {
        format!("{s:.1} s")
    } else if s >= 3600.0 {
        format!("{} h {} min", (s / 3600.0) as u64, ((s % 3600.0) / 60.0) as u64)
    } else if s >= 60.0 {
        format!("{} min", (s / 60.0).round() as u64)
    } else {
        format!("{s:.0} s")
    }
}

/// `n` and the noun, singular for one: `1 configuration`, `3 configurations`.
pub fn count_of(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// `s` cut to `max` characters, with an ellipsis where it was cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { s.chars().take(max.saturating_sub(1)).chain(['\u{2026}']).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_at_characters_with_an_ellipsis() {
        assert_eq!(shorten("abcdef", 4), "abc\u{2026}");
        assert_eq!(shorten("abcd", 4), "abcd");
        assert_eq!(shorten("ééééé", 3), "éé\u{2026}");
    }

    #[test]
    fn numbers_read_like_people_write_them() {
        assert_eq!(fmt_count(16_777_216), "16,777,216");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(human_count(5_000_000.0), "5M");
        assert_eq!(human_count(1_200.0), "1.2k");
        assert_eq!(human_count(350.0), "350");
        assert_eq!(human_count(0.0), "0");
        assert_eq!(human_count(14_250_000.0), "14.2M");
        assert_eq!(human_count(2.5e9), "2.5G");
        assert_eq!(human_bytes(512 << 20), "512 MiB");
        assert_eq!(human_bytes(1536 << 20), "1.5 GiB");
        assert_eq!(human_duration(7300.0), "2 h 1 min");
        assert_eq!(human_duration(0.0123), "12 ms");
        assert_eq!(human_duration(4.21), "4.2 s");
    }
}
