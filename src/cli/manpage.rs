//! `seatunnel manpage --dir DIR` (hidden): the manual pages the packages install, rendered from
//! the same clap definitions as `--help` so the two cannot disagree. `seatunnel.1` adds what
//! `--help` has no room for: files, environment, exit status, examples; every subcommand gets
//! its own `seatunnel-<name>.1`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

use super::Cli;

/// Written after the generated sections of `seatunnel.1`. Plain roff: `.SH` sections, `.TP`
/// tagged paragraphs, `\fB`/`\fI` for bold and italic.
const MAIN_EXTRA: &str = r#".SH FILES
.TP
\fI/etc/seatunnel/seatunnel.yaml\fR
Engine settings, in the format of Apache SeaTunnel's config/seatunnel.yaml.
.TP
\fI/etc/seatunnel/seatunnel.d/*.yaml\fR
Drop-ins, read after seatunnel.yaml in lexical order; each overrides the keys it sets. A drop-in
may also hold \fBhazelcast:\fR and \fBhazelcast-client:\fR sections.
.TP
\fI/etc/seatunnel/hazelcast-master.yaml\fR, \fIhazelcast-worker.yaml\fR, \fIhazelcast.yaml\fR
Cluster name, member list and member port of a master, a worker and a hybrid node.
.TP
\fI/etc/seatunnel/hazelcast-client.yaml\fR
The members \fBseatunnel client\fR (\fBseatunnel.sh\fR) talks to.
.TP
\fI/etc/default/seatunnel\fR (deb), \fI/etc/sysconfig/seatunnel\fR (rpm)
Environment of the services: \fBSEATUNNEL__\fR overrides, \fBRUST_LOG\fR.
.TP
\fI/var/lib/seatunnel/master\fR
A master's Raft log, snapshots and node id (systemd's StateDirectory=).
.TP
\fI/var/log/seatunnel/master\fR, \fI/var/log/seatunnel/worker\fR
Per-job log files (job-<jobId>.log), served by the REST endpoint /logs.
.TP
\fI/usr/share/seatunnel\fR
SEATUNNEL_HOME: SeaTunnel's bin/ scripts, config/ (links to /etc/seatunnel and the job
templates), connectors/ and examples/.
.SH ENVIRONMENT
.TP
\fBSEATUNNEL__\fR\fISECTION\fR\fB__\fR\fIKEY\fR
Overrides one configuration key, after every file (for example
SEATUNNEL__ENGINE__HTTP__PORT=8081). \fB\-\-set\fR on the command line wins over it.
.TP
\fBSEATUNNEL_CONFIG\fR
The seatunnel.yaml to read, as \fB\-\-config\fR.
.TP
\fBSEATUNNEL_HOME\fR
Where SeaTunnel's layout lives; its config/ directory is read when \fB\-\-config\fR is not given.
.TP
\fBSEATUNNEL_LOG_TARGET\fR
\fBauto\fR (the journal when stderr is connected to it, else stderr), \fBjournald\fR or
\fBstderr\fR.
.TP
\fBRUST_LOG\fR
Log filter, for example \fBinfo,seatunnel::coordinator=debug\fR.
.TP
\fBSTATE_DIRECTORY\fR, \fBLOGS_DIRECTORY\fR
Set by systemd from the units' StateDirectory= and LogsDirectory=.
.SH EXIT STATUS
.TP
\fB0\fR
Success; for \fBrun\fR and \fBclient\fR, the job FINISHED.
.TP
\fB1\fR
A job that did not finish, or a bad job file.
.TP
\fB2\fR
A usage error.
.TP
\fB70\fR
A server failed after its configuration was accepted.
.TP
\fB78\fR
A bad configuration (EX_CONFIG); the error names the file, line and key. The units do not
restart on it.
.SH EXAMPLES
Run a job locally:
.PP
.RS
seatunnel run \-c /usr/share/seatunnel/examples/batch.conf
.RE
.PP
Start a packaged node and follow its log:
.PP
.RS
systemctl start seatunnel-master
.br
journalctl \-u seatunnel-master \-f
.RE
.PP
Check an edited configuration, then see where each value comes from:
.PP
.RS
seatunnel config check \-\-role worker
.br
seatunnel config show \-\-role worker \-\-origin
.RE
.SH SEE ALSO
\fBseatunnel-master\fR(1), \fBseatunnel-worker\fR(1), \fBseatunnel-client\fR(1),
\fBsystemctl\fR(1), \fBjournalctl\fR(1), /usr/share/doc/seatunnel/operations.md
"#;

pub fn run(dir: &Path) -> ExitCode {
    match write_pages(dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: cannot write the manual pages to {}: {e}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn write_pages(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_subcommand(sub.clone(), dir)?;
    }
    let man = clap_mangen::Man::new(cmd);
    let mut page = std::fs::File::create(dir.join(man.get_filename()))?;
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    page.write_all(MAIN_EXTRA.as_bytes())?;
    man.render_version_section(&mut page)?;
    page.flush()
}

/// One page per subcommand, nested ones included (`seatunnel-config-check.1`). The client's
/// flags are SeaTunnel's and parsed by hand, so its page carries their usage text.
fn write_subcommand(cmd: clap::Command, dir: &Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_subcommand(sub.clone(), dir)?;
    }
    let is_client = cmd.get_name() == "client";
    let man = clap_mangen::Man::new(cmd);
    let mut page = std::fs::File::create(dir.join(man.get_filename()))?;
    man.render(&mut page)?;
    if is_client {
        writeln!(page, ".SH SEATUNNEL.SH FLAGS\n.nf")?;
        for line in super::client::USAGE.lines() {
            writeln!(page, "{}", roff_literal(line))?;
        }
        writeln!(page, ".fi")?;
    }
    page.flush()
}

/// A line of preformatted text as roff: backslashes and hyphens escaped, and a leading `.` or
/// `'` (a request) guarded.
fn roff_literal(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_subcommand_and_the_operator_sections() {
        let dir = tempfile::tempdir().unwrap();
        write_pages(dir.path()).unwrap();
        let main = std::fs::read_to_string(dir.path().join("seatunnel.1")).unwrap();
        for section in [
            ".SH FILES",
            ".SH ENVIRONMENT",
            ".SH EXIT STATUS",
            ".SH SEE ALSO",
        ] {
            assert!(main.contains(section), "{section} missing");
        }
        assert!(
            main.contains("seatunnel\\-master(1)"),
            "subcommand list missing"
        );
        for page in [
            "seatunnel-master.1",
            "seatunnel-worker.1",
            "seatunnel-config-check.1",
            "seatunnel-client.1",
        ] {
            assert!(dir.path().join(page).exists(), "{page} missing");
        }
        assert!(!dir.path().join("seatunnel-manpage.1").exists());
        let client = std::fs::read_to_string(dir.path().join("seatunnel-client.1")).unwrap();
        assert!(client.contains("\\-\\-async"), "client flags missing");
    }

    #[test]
    fn literal_lines_cannot_become_roff_requests() {
        assert_eq!(roff_literal(".hidden"), "\\&.hidden");
        assert_eq!(roff_literal("-c a\\b"), "\\-c a\\eb");
    }
}
