//! The progress bars on a real terminal: `zkbio -v setup` and `zkbio -v prove` run under a
//! pseudo-terminal (util-linux's `script`), and the bytes they wrote are replayed through a small
//! terminal model (deferred wrap, `\r`, `\n`, cursor up/down, erase line — what indicatif
//! writes). What is left on the screen must be what a person should see: one plain line per
//! finished phase, with its time, every log line whole and on its own line, the result line,
//! and no bar left behind half-drawn.

use std::path::Path;
use std::process::Command;

/// The terminal's width: `stty` sets it inside the pty.
const COLUMNS: usize = 100;

/// The screen (and scrollback) after `bytes` were written to a `COLUMNS`-wide terminal.
fn render(bytes: &str) -> Vec<String> {
    let mut lines: Vec<Vec<char>> = vec![Vec::new()];
    let (mut row, mut col, mut pending_wrap) = (0usize, 0usize, false);
    let mut chars = bytes.chars().peekable();
    let grow = |lines: &mut Vec<Vec<char>>, row: usize| {
        while lines.len() <= row {
            lines.push(Vec::new());
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                assert_eq!(chars.next(), Some('['), "only CSI sequences are expected");
                let mut n = String::new();
                let command = loop {
                    match chars.next() {
                        Some(d) if d.is_ascii_digit() || d == ';' => n.push(d),
                        Some(command) => break command,
                        None => panic!("truncated escape sequence"),
                    }
                };
                let count = n.parse::<usize>().unwrap_or(1);
                match command {
                    'A' => row = row.saturating_sub(count),
                    'B' => {
                        row += count;
                        grow(&mut lines, row);
                    }
                    // Erase the whole line (indicatif only writes `2K`), or to its end.
                    'K' if n == "2" => lines[row].clear(),
                    'K' => lines[row].truncate(col),
                    // Colours and styles.
                    'm' => continue,
                    other => panic!("unexpected escape sequence ESC[{n}{other}"),
                }
                pending_wrap = false;
            }
            '\r' => {
                col = 0;
                pending_wrap = false;
            }
            '\n' => {
                row += 1;
                pending_wrap = false;
                grow(&mut lines, row);
            }
            c => {
                if pending_wrap {
                    row += 1;
                    col = 0;
                    pending_wrap = false;
                    grow(&mut lines, row);
                }
                let line = &mut lines[row];
                if line.len() < col {
                    line.resize(col, ' ');
                }
                if col < line.len() {
                    line[col] = c;
                } else {
                    line.push(c);
                }
                // A character in the last column leaves the cursor there until the next one.
                if col + 1 == COLUMNS {
                    pending_wrap = true;
                } else {
                    col += 1;
                }
            }
        }
    }
    lines
        .into_iter()
        .map(|l| l.into_iter().collect::<String>().trim_end().to_owned())
        .collect()
}

/// The logical lines of a rendered screen: a line `COLUMNS` wide continues on the next.
fn unwrap_lines(screen: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut continues = false;
    for line in screen {
        if continues {
            out.last_mut().expect("a line to continue").push_str(line);
        } else {
            out.push(line.clone());
        }
        continues = line.chars().count() == COLUMNS;
    }
    out
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn bars_on_a_terminal_leave_one_line_per_phase_and_whole_log_lines() {
    // util-linux's `script` (`-e`, `-f`, `-c`); BSD's takes other flags.
    let util_linux = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|v| String::from_utf8_lossy(&v.stdout).contains("util-linux"));
    if !util_linux {
        eprintln!(
            "SKIPPED: util-linux `script` is not installed: no pseudo-terminal to draw on \
             (apt-get install bsdutils)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let zkbio = shell_quote(env!("CARGO_BIN_EXE_zkbio"));
    let circuit = "image-opening:32x32";
    let commands = format!(
        "stty cols {COLUMNS} rows 40 && {zkbio} -v setup --circuit {circuit} --seed tty --out {keys} \
         && {zkbio} -v prove --circuit {circuit} --key {key} --out {proof}",
        keys = shell_quote(&d("keys")),
        key = shell_quote(&d("keys/circuit.zpk")),
        proof = shell_quote(&d("proof")),
    );
    let typescript = d("typescript");
    let out = Command::new("script")
        .args(["-qfec", &commands, &typescript])
        .env_remove("ZKBIO_PRIVATE_KEY")
        .output()
        .expect("spawn script");
    let raw = std::fs::read(&typescript).expect("typescript");
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        out.status.success(),
        "{}\n{raw}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The typescript's own first and last lines ("Script started/done …") are not output.
    let body = raw
        .split_once('\n')
        .map(|(_, rest)| rest)
        .and_then(|rest| rest.rsplit_once("\nScript done").map(|(b, _)| b))
        .unwrap_or_else(|| panic!("not a typescript:\n{raw}"));
    assert!(
        body.contains("\x1b[2K") && body.contains('%'),
        "no bar was drawn: stderr was not a terminal?\n{body:?}"
    );
    assert!(Path::new(&d("proof/proof.json")).is_file());

    let screen = unwrap_lines(&render(body));
    let text = screen.join("\n");
    // No bar is left on the screen, finished or half-drawn.
    for line in &screen {
        assert!(
            !line.contains("] ") && !line.contains('%'),
            "a bar was left behind: {line:?}\n{text}"
        );
    }
    // One line per phase, in order, each with its time; the setup's queries are timed from the
    // previous one's end (a small setup reports each query only when it is done).
    let phases = [
        "A query (G1)",
        "B query (G1)",
        "B query (G2)",
        "H query (G1)",
        "C query (G1)",
        "key export",
        "msm-g1",
        "msm-g2",
        "fft",
        "msm-h",
    ];
    let mut at = 0;
    for phase in phases {
        let prefix = format!("    {phase}: done (");
        let found: Vec<usize> = screen
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with(&prefix))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(found.len(), 1, "one `{prefix}…` line:\n{text}");
        assert!(found[0] > at, "{phase} out of order:\n{text}");
        at = found[0];
        if phase.contains("query") {
            assert!(!screen[at].ends_with("(0.0 ms)"), "{}\n{text}", screen[at]);
        }
    }
    // Every log line is whole and starts its own line (none glued after a bar).
    let logs: Vec<&String> = screen.iter().filter(|l| l.contains(" INFO ")).collect();
    assert!(logs.len() >= phases.len(), "the -v logs:\n{text}");
    for line in logs {
        assert!(
            line.starts_with("20"),
            "a log line not at a line start: {line:?}\n{text}"
        );
        assert!(line.contains(" done in "), "{line:?}");
    }
    // The results, each on a line of its own.
    assert!(
        screen
            .iter()
            .any(|l| l.starts_with(&d("keys/circuit.zpk")) && l.contains("sha3-256")),
        "{text}"
    );
    assert!(
        screen
            .iter()
            .any(|l| l == &format!("proof written to {}", d("proof"))),
        "{text}"
    );
}
