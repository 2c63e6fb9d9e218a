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

/// Progress printed while the client follows a job, as SeaTunnel's `JobMetricsRunner` logs it:
/// counts so far and the average rate since the previous report.
pub fn job_progress(
    last: &DateTime<Local>,
    now: &DateTime<Local>,
    (last_read, last_written): (u64, u64),
    (read, written): (u64, u64),
) -> String {
    let seconds = u64::try_from(now.timestamp() - last.timestamp())
        .unwrap_or(0)
        .max(1);
    format_table(
        "Job Progress Information",
        &[
            ("Read Count So Far", read.to_string()),
            ("Write Count So Far", written.to_string()),
            (
                "Average Read Count",
                format!("{}/s", read.saturating_sub(last_read) / seconds),
            ),
            (
                "Average Write Count",
                format!("{}/s", written.saturating_sub(last_written) / seconds),
            ),
            ("Last Statistic Time", format_time(last)),
            ("Current Statistic Time", format_time(now)),
        ],
    )
}

/// One row of `seatunnel.sh -l`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub job_id: String,
    pub job_name: String,
    pub status: String,
    pub submit_time: String,
    /// Empty while the job runs.
    pub finish_time: String,
}

/// Minimum column widths of SeaTunnel's `ContentFormatUtil`: the header words, and a
/// millisecond timestamp for both times.
const MIN_ID_WIDTH: usize = 6;
const MIN_NAME_WIDTH: usize = 8;
const MIN_STATUS_WIDTH: usize = 10;
const TIME_WIDTH: usize = 23;
/// Spaces between columns.
const GAP: &str = "  ";

/// The job list as SeaTunnel's client prints it: a header, a rule of dashes per column, then
/// one line per job, newest submission first (rows with equal times keep their order).
pub fn job_list(rows: &[JobRow]) -> String {
    let mut rows: Vec<&JobRow> = rows.iter().collect();
    // `yyyy-MM-dd HH:mm:ss` sorts as text in time order.
    rows.sort_by(|a, b| b.submit_time.cmp(&a.submit_time));
    let width =
        |min: usize, f: &dyn Fn(&JobRow) -> usize| rows.iter().map(|r| f(r)).fold(min, usize::max);
    let id_w = width(MIN_ID_WIDTH, &|r| r.job_id.chars().count());
    let name_w = width(MIN_NAME_WIDTH, &|r| r.job_name.chars().count());
    let status_w = width(MIN_STATUS_WIDTH, &|r| r.status.chars().count());
    let line = |cells: [&str; 5]| {
        format!(
            "{:<id_w$}{GAP}{:<name_w$}{GAP}{:<status_w$}{GAP}{:<TIME_WIDTH$}{GAP}{:<TIME_WIDTH$}{GAP}",
            cells[0], cells[1], cells[2], cells[3], cells[4]
        )
    };
    let mut out = line([
        "Job ID",
        "Job Name",
        "Job Status",
        "Submit Time",
        "Finished Time",
    ]);
    out.push('\n');
    out.push_str(&line([
        &"-".repeat(id_w),
        &"-".repeat(name_w),
        &"-".repeat(status_w),
        &"-".repeat(TIME_WIDTH),
        &"-".repeat(TIME_WIDTH),
    ]));
    out.push('\n');
    for r in rows {
        let finish = if r.finish_time.is_empty() {
            String::new()
        } else {
            format!("{:<TIME_WIDTH$}", r.finish_time)
        };
        out.push_str(&format!(
            "{:<id_w$}{GAP}{:<name_w$}{GAP}{:<status_w$}{GAP}{:<TIME_WIDTH$}{GAP}{finish}\n",
            r.job_id, r.job_name, r.status, r.submit_time
        ));
    }
    out
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

    #[test]
    fn progress_reports_rates_since_the_last_report() {
        let last = Local.with_ymd_and_hms(2024, 8, 13, 10, 21, 49).unwrap();
        let now = Local.with_ymd_and_hms(2024, 8, 13, 10, 21, 59).unwrap();
        let t = job_progress(&last, &now, (100, 50), (300, 250));
        assert!(t.contains("           Job Progress Information\n"), "{t}");
        assert!(
            t.contains("Read Count So Far         :                 300\n"),
            "{t}"
        );
        assert!(
            t.contains("Average Read Count        :                20/s\n"),
            "{t}"
        );
        assert!(
            t.contains("Average Write Count       :                20/s\n"),
            "{t}"
        );
        assert!(
            t.contains("Current Statistic Time    : 2024-08-13 10:21:59\n"),
            "{t}"
        );
        // No time elapsed: rates over one second, never a division by zero.
        assert!(job_progress(&now, &now, (0, 0), (5, 5)).contains("5/s"));
    }

    #[test]
    fn job_list_is_newest_first_with_seatunnel_columns() {
        let row = |id: &str, name: &str, status: &str, submit: &str, finish: &str| JobRow {
            job_id: id.into(),
            job_name: name.into(),
            status: status.into(),
            submit_time: submit.into(),
            finish_time: finish.into(),
        };
        let text = job_list(&[
            row(
                "1",
                "old",
                "FINISHED",
                "2024-01-01 00:00:00",
                "2024-01-01 00:00:05",
            ),
            row(
                "733584788375666689",
                "a_long_job_name",
                "RUNNING",
                "2024-01-02 00:00:00",
                "",
            ),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Job ID              Job Name         Job Status  Submit Time              Finished Time            "
        );
        assert_eq!(
            lines[1],
            "------------------  ---------------  ----------  -----------------------  -----------------------  "
        );
        assert_eq!(
            lines[2],
            "733584788375666689  a_long_job_name  RUNNING     2024-01-02 00:00:00      "
        );
        assert_eq!(
            lines[3],
            "1                   old              FINISHED    2024-01-01 00:00:00      2024-01-01 00:00:05    "
        );
        assert_eq!(lines.len(), 4);
        assert_eq!(job_list(&[]).lines().count(), 2);
    }
}
