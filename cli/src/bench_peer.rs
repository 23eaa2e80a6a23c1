//! `zkbio bench --peer 'CMD'`: our provers against another prover (rapidsnark, snarkjs, …) as
//! whole processes, on the same `.zkey` and `.wtns`.
//!
//! Runs are paired and alternate (ours, peer, ours, peer, …), so a load that comes and goes on a
//! shared machine falls on every side alike and the ratio of medians stays meaningful where the
//! times themselves do not. Every proof a side writes is read back and verified under the key
//! with the statement's public inputs: a peer that is fast because it proves something else, or
//! nothing, fails the bench.

use crate::artifacts::{io_err, read_proof, read_public};
use crate::measured_run::{run_measured, ProcessRun};
use crate::mem::mib;
use crate::report::fmt_duration;
use ark_bn254::{Bn254, Fr};
use serde_json::{json, Value};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use zkbio_core::groth16::{verify, VerifyingKey};

/// The placeholders a peer command may hold, and what bench puts there.
const PLACEHOLDERS: &str = "{zkey}, {wtns}, {proof}, {public}";

/// A peer prover's command line, `[NAME=]PROGRAM ARGS…` with [`PLACEHOLDERS`]; split into words
/// as a POSIX shell would (quotes, backslashes) but run without one, so the measured process is
/// the prover itself.
#[derive(Clone, Debug)]
pub struct PeerCommand {
    name: String,
    words: Vec<String>,
}

impl FromStr for PeerCommand {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, command) = match s.split_once('=') {
            Some((name, rest))
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                (Some(name.to_string()), rest)
            }
            _ => (None, s),
        };
        let words = shlex::split(command).ok_or("unbalanced quotes in the peer command")?;
        let program = words.first().ok_or("empty peer command")?;
        for needed in ["{proof}", "{public}"] {
            if !words.iter().any(|w| w.contains(needed)) {
                return Err(format!(
                    "the peer command must name {needed}: bench verifies what the peer writes \
                     (placeholders: {PLACEHOLDERS})"
                ));
            }
        }
        let name = name.unwrap_or_else(|| {
            Path::new(program)
                .file_name()
                .map_or(program.clone(), |n| n.to_string_lossy().into_owned())
        });
        Ok(PeerCommand { name, words })
    }
}

impl PeerCommand {
    /// snarkjs's `groth16 prove`, run with node from the path of its `cli.cjs`.
    pub fn snarkjs(cli: &Path) -> PeerCommand {
        PeerCommand {
            name: "snarkjs".into(),
            words: [
                "node",
                &cli.to_string_lossy(),
                "groth16",
                "prove",
                "{zkey}",
                "{wtns}",
                "{proof}",
                "{public}",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// The files bench exported for the process runs.
pub struct Exported {
    /// The key as a snarkjs `.zkey`.
    pub zkey: PathBuf,
    /// The key as our `.zpk`.
    pub zpk: PathBuf,
    /// The witness as a circom `.wtns`.
    pub wtns: PathBuf,
    /// Where each side gets a directory of its own.
    pub dir: PathBuf,
}

/// What bench hands to the process runs.
pub struct PairedRuns<'a> {
    /// The exported files.
    pub files: Exported,
    /// Our native `zkbio prove` arguments after `prove`: statement, key and input flags (the
    /// key and output directory are added here).
    pub native_args: Vec<OsString>,
    /// The peers.
    pub peers: &'a [PeerCommand],
    /// Runs per side.
    pub runs: usize,
    /// The statement's public inputs: every side's `public.json` must hold exactly these.
    pub public: &'a [Fr],
    /// The key's verifying key: every side's proof must verify under it.
    pub vk: &'a VerifyingKey<Bn254>,
}

struct Side {
    name: String,
    ours: bool,
    argv: Vec<OsString>,
    proof: PathBuf,
    public: PathBuf,
    log: PathBuf,
    runs: Vec<ProcessRun>,
}

fn path_str(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{}: not UTF-8, cannot go into a command", path.display()))
}

fn side_dir(dir: &Path, index: usize) -> Result<PathBuf, String> {
    let d = dir.join(format!("side-{index}"));
    std::fs::create_dir_all(&d).map_err(|e| io_err(&d, e))?;
    Ok(d)
}

fn sides(p: &PairedRuns) -> Result<Vec<Side>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find zkbio itself: {e}"))?;
    let f = &p.files;
    let mut out = Vec::new();
    let mut add = |name: String, ours: bool, argv: Vec<OsString>, d: PathBuf| {
        out.push(Side {
            name,
            ours,
            argv,
            proof: d.join("proof.json"),
            public: d.join("public.json"),
            log: d.join("output.log"),
            runs: Vec::new(),
        })
    };
    let d = side_dir(&f.dir, 0)?;
    add(
        "zkbio groth16 prove".into(),
        true,
        [
            exe.as_os_str(),
            "groth16".as_ref(),
            "prove".as_ref(),
            f.zkey.as_os_str(),
            f.wtns.as_os_str(),
            d.join("proof.json").as_os_str(),
            d.join("public.json").as_os_str(),
        ]
        .map(OsString::from)
        .to_vec(),
        d,
    );
    let d = side_dir(&f.dir, 1)?;
    let mut native: Vec<OsString> = vec![exe.clone().into(), "prove".into()];
    native.extend(p.native_args.iter().cloned());
    native.extend([
        "--key".into(),
        f.zpk.clone().into(),
        "--out".into(),
        d.clone().into(),
    ]);
    add("zkbio prove".into(), true, native, d);
    for (i, peer) in p.peers.iter().enumerate() {
        let d = side_dir(&f.dir, 2 + i)?;
        let (proof, public) = (d.join("proof.json"), d.join("public.json"));
        let filled = [
            ("{zkey}", path_str(&f.zkey)?),
            ("{wtns}", path_str(&f.wtns)?),
            ("{proof}", path_str(&proof)?),
            ("{public}", path_str(&public)?),
        ];
        let argv = peer
            .words
            .iter()
            .map(|w| {
                let mut w = w.clone();
                for (placeholder, path) in filled {
                    w = w.replace(placeholder, path);
                }
                OsString::from(w)
            })
            .collect();
        add(peer.name.clone(), false, argv, d);
    }
    Ok(out)
}

/// Reads back what a side wrote and checks it is a valid proof of the statement.
fn check_output(side: &Side, p: &PairedRuns) -> Result<(), String> {
    let who = &side.name;
    let public = read_public(&side.public).map_err(|e| format!("{who}: {e}"))?;
    if public != p.public {
        return Err(format!(
            "{who}: {} holds other public inputs than the statement's ({} values, expected {})",
            side.public.display(),
            public.len(),
            p.public.len()
        ));
    }
    let proof = read_proof(&side.proof).map_err(|e| format!("{who}: {e}"))?;
    verify(p.vk, &proof, &public)
        .map_err(|e| format!("{who}: its proof does not verify under the key: {e}"))
}

/// Median (the upper one for an even count), min and max.
#[derive(Clone, Copy)]
struct Spread {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn spread(runs: &[ProcessRun], time: fn(&ProcessRun) -> Duration) -> Spread {
    let mut v: Vec<Duration> = runs.iter().map(time).collect();
    v.sort();
    Spread {
        median: v[v.len() / 2],
        min: v[0],
        max: v[v.len() - 1],
    }
}

fn wall(r: &ProcessRun) -> Duration {
    r.wall
}

fn cpu(r: &ProcessRun) -> Duration {
    r.cpu
}

fn peak(runs: &[ProcessRun], f: impl Fn(&ProcessRun) -> Option<u64>) -> Option<u64> {
    runs.iter().filter_map(f).max()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// Runs every side `runs` times, alternating, then prints the figures and ratios; with
/// `--json` the returned object holds all of them.
pub fn run(p: PairedRuns) -> Result<Value, String> {
    let mut sides = sides(&p)?;
    let load_before = load_average();
    println!(
        "  whole processes, {} paired runs (ours, peer, …), load average before: {load_before}",
        p.runs
    );
    for _ in 0..p.runs {
        for side in &mut sides {
            for stale in [&side.proof, &side.public] {
                match std::fs::remove_file(stale) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(io_err(stale, e))
                    }
                    _ => {}
                }
            }
            let run =
                run_measured(&side.argv, &side.log).map_err(|e| format!("{}: {e}", side.name))?;
            check_output(side, &p)?;
            side.runs.push(run);
        }
    }
    let load_after = load_average();
    let mut json_sides = Vec::new();
    for side in &sides {
        let s = spread(&side.runs, wall);
        let c = spread(&side.runs, cpu);
        let rss = peak(&side.runs, |r| Some(r.peak_rss));
        let anon = peak(&side.runs, |r| r.peak_rss_anon);
        let floor = peak(&side.runs, |r| Some(r.spawner_rss)).unwrap_or(0);
        println!(
            "  {:<22} median {}, min {}, max {} (CPU median {}); peak RSS {}, peak RssAnon {}",
            side.name,
            fmt_duration(s.median),
            fmt_duration(s.min),
            fmt_duration(s.max),
            fmt_duration(c.median),
            rss.map_or("?".into(), mib),
            anon.map_or("?".into(), mib),
        );
        let sampled = side
            .runs
            .iter()
            .filter(|r| r.peak_rss_source != "wait4")
            .count();
        if sampled > 0 {
            println!(
                "    (peak RSS from its sampled VmHWM in {sampled} of {} runs: wait4's figure was \
                 not above this process's own {} at spawn, which Linux carries over the exec)",
                side.runs.len(),
                mib(floor)
            );
        }
        json_sides.push(json!({
            "name": side.name,
            "ours": side.ours,
            "command": side.argv.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>(),
            "wall_seconds": {
                "median": s.median.as_secs_f64(),
                "min": s.min.as_secs_f64(),
                "max": s.max.as_secs_f64(),
                "runs": side.runs.iter().map(|r| r.wall.as_secs_f64()).collect::<Vec<_>>(),
            },
            "cpu_median_seconds": c.median.as_secs_f64(),
            "cpu_seconds": side.runs.iter().map(|r| r.cpu.as_secs_f64()).collect::<Vec<_>>(),
            "peak_rss_bytes": rss,
            "peak_rss_anon_bytes": anon,
            "peak_rss_source": side.runs.iter().map(|r| r.peak_rss_source).collect::<Vec<_>>(),
            "rusage_maxrss_bytes": side.runs.iter().map(|r| r.rusage_maxrss).collect::<Vec<_>>(),
            "spawner_rss_bytes": floor,
            "proof_verified": true,
        }));
    }
    let mut ratios = Vec::new();
    for peer in sides.iter().filter(|s| !s.ours) {
        for ours in sides.iter().filter(|s| s.ours) {
            let median = |runs: &[ProcessRun], time: fn(&ProcessRun) -> Duration| {
                spread(runs, time).median.as_secs_f64()
            };
            let wall = ratio(median(&ours.runs, wall), median(&peer.runs, wall));
            let cpu = ratio(median(&ours.runs, cpu), median(&peer.runs, cpu));
            let mem = |f: fn(&ProcessRun) -> Option<u64>| {
                ratio(peak(&ours.runs, f)? as f64, peak(&peer.runs, f)? as f64)
            };
            let anon = mem(|r| r.peak_rss_anon);
            let rss = mem(|r| Some(r.peak_rss));
            let x = |r: Option<f64>| r.map_or("?".into(), |r| format!("{r:.2}x"));
            println!(
                "  {} / {}: wall {} (medians), CPU {}, peak RssAnon {}, peak RSS {}",
                ours.name,
                peer.name,
                x(wall),
                x(cpu),
                x(anon),
                x(rss)
            );
            ratios.push(json!({
                "ours": ours.name,
                "peer": peer.name,
                "wall_median": wall,
                "cpu_median": cpu,
                "peak_rss_anon": anon,
                "peak_rss": rss,
            }));
        }
    }
    println!("  load average after: {load_after}; every side's proof verified, same public inputs");
    Ok(json!({
        "runs": p.runs,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "sides": json_sides,
        "ratios": ratios,
    }))
}
