//! What the client prints about a job: SeaTunnel's "Job Statistic Information" table.

use chrono::{DateTime, Local};

/// Width of the key column and of the value column in SeaTunnel's `StringFormatUtils.formatTable`.
const KEY_WIDTH: usize = 26;
const VALUE_WIDTH: usize = 20;
const RULE: &str = "***********************************************";

/// SeaTunnel's client time format (`yyyy-MM-dd HH:mm:ss`, local time).
pub fn format_time(t: &DateTime<Local>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Formats a titled key/value table exactly as SeaTunnel's client logs it, leading newline
/// included, so scripts that scrape it keep working.
pub fn format_table(title: &str, rows: &[(&str, String)]) -> String {
    let pad = (RULE.len().saturating_sub(title.len())) / 2;
    let mut out = format!("\n{RULE}\n{}{title}\n{RULE}\n", " ".repeat(pad));
    for (key, value) in rows {
        out.push_str(&format!("{key:<KEY_WIDTH$}:{value:>VALUE_WIDTH$}\n"));
    }
    out.push_str(RULE);
    out.push('\n');
    out
}

/// The statistics table printed when a job ends.
pub fn job_statistics(
    started: &DateTime<Local>,
    ended: &DateTime<Local>,
    read: u64,
    written: u64,
) -> String {
    let seconds = (ended.timestamp() - started.timestamp()).max(0);
    format_table(
        "Job Statistic Information",
        &[
            ("Start Time", format_time(started)),
            ("End Time", format_time(ended)),
            ("Total Time(s)", seconds.to_string()),
            ("Total Read Count", read.to_string()),
            ("Total Write Count", written.to_string()),
            (
                "Total Failed Count",
                read.saturating_sub(written).to_string(),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn matches_seatunnel_layout() {
        let start = Local.with_ymd_and_hms(2024, 8, 13, 10, 21, 49).unwrap();
        let end = Local.with_ymd_and_hms(2024, 8, 13, 10, 21, 53).unwrap();
        let expected = "\n***********************************************\n           Job Statistic Information\n***********************************************\nStart Time                : 2024-08-13 10:21:49\nEnd Time                  : 2024-08-13 10:21:53\nTotal Time(s)             :                   4\nTotal Read Count          :                1000\nTotal Write Count         :                1000\nTotal Failed Count        :                   0\n***********************************************\n";
        assert_eq!(job_statistics(&start, &end, 1000, 1000), expected);
    }
}
