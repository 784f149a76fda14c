//! A command as the user typed it, and the command line it becomes at one
//! thread count: `{threads}` (and `{n}`, the size that weak scaling grows)
//! replaced in its words and in its environment.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The placeholder replaced by the thread count.
pub const THREADS: &str = "{threads}";
/// The placeholder replaced by the problem size (`--n`), which weak scaling grows.
pub const SIZE: &str = "{n}";
/// The longest command (or environment value) taken, bytes.
pub const MAX_LEN: usize = 8 * 1024;
/// The longest a run may be given, seconds (a week).
pub const MAX_TIMEOUT_S: f64 = 7.0 * 24.0 * 3600.0;

/// One `NAME=VALUE` of the command's environment; the value may hold placeholders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvVar {
    /// The variable's name: letters, digits and `_`, not starting with a digit.
    pub name: String,
    /// Its value, with placeholders.
    pub value: String,
}

impl std::str::FromStr for EnvVar {
    type Err = CommandError;
    /// `OMP_NUM_THREADS={threads}`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, value) = s.split_once('=').ok_or_else(|| CommandError::Env(s.to_string(), "it needs NAME=VALUE"))?;
        let var = EnvVar { name: name.to_string(), value: value.to_string() };
        var.check()?;
        Ok(var)
    }
}

impl EnvVar {
    fn check(&self) -> Result<(), CommandError> {
        let ok_name = !self.name.is_empty()
            && !self.name.starts_with(|c: char| c.is_ascii_digit())
            && self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok_name {
            return Err(CommandError::Env(self.to_string(), "its name may hold only letters, digits and _"));
        }
        if self.value.len() > MAX_LEN || self.value.contains('\0') {
            return Err(CommandError::Env(self.to_string(), "its value is too long or holds a NUL"));
        }
        Ok(())
    }
}

impl fmt::Display for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// A user's command and how to run it (hyperfine's names where it has them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct CommandSpec {
    /// The command as typed, with `{threads}` (and `{n}`) in it.
    pub command: String,
    /// Variables set for it (`OMP_NUM_THREADS={threads}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Run through `sh -c` (pipes, globs, `&&`); by default its words are
    /// split as a shell would split them and run directly.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shell: bool,
    /// Run before each timed run, untimed (same placeholders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepare: Option<String>,
    /// Run after each timed run, untimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<String>,
    /// The working directory (this process's when `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<PathBuf>,
    /// The longest one run may take, seconds; past it the run is ended and fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<f64>,
    /// The sequential reference, when it is not the command at 1 thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Whether every run's standard output must equal the reference's
    /// (compared by a digest).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub check_output: bool,
}

/// The command line of one run: what to execute, with what environment, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The program and its arguments (`sh -c ...` with `shell`).
    pub argv: Vec<String>,
    /// Variables added to this process's environment.
    pub env: Vec<(String, String)>,
    /// Where it runs.
    pub workdir: Option<PathBuf>,
    /// The longest it may take.
    pub timeout: Option<Duration>,
}

impl fmt::Display for Invocation {
    /// `OMP_NUM_THREADS=4 ./omp 2000`, quoted as a shell would need it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={}", shell_words::quote(v))).collect();
        let words = env.into_iter().chain(self.argv.iter().map(|w| shell_words::quote(w).into_owned()));
        f.write_str(&words.collect::<Vec<_>>().join(" "))
    }
}

/// Why a command cannot run.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CommandError {
    /// No command.
    #[error("the command is empty")]
    Empty,
    /// Neither the command nor its environment uses the thread count.
    #[error(
        "'{0}' does not say where the thread count goes: put {{threads}} in it (xz -T{{threads}}) or set a variable with --env (OMP_NUM_THREADS={{threads}})"
    )]
    NoPlaceholder(String),
    /// Quotes that do not close, and the like.
    #[error("cannot split '{0}' into words: {1} (use --shell to run it through sh -c)")]
    Split(String, String),
    /// A bad `NAME=VALUE`.
    #[error("--env '{0}': {1}")]
    Env(String, &'static str),
    /// Too long, or a NUL byte.
    #[error("the command is longer than {MAX_LEN} bytes or holds a NUL byte")]
    TooLong,
    /// A timeout that is not a positive number of seconds up to a week.
    #[error("the timeout must be between 0 and {MAX_TIMEOUT_S} seconds, not {0}")]
    Timeout(f64),
}

impl CommandSpec {
    /// `command`, with every other setting at its default.
    pub fn new(command: impl Into<String>) -> Self {
        CommandSpec { command: command.into(), ..CommandSpec::default() }
    }

    /// Checks it can run: not empty, splits into words, uses `{threads}`
    /// somewhere, valid variables and timeout.
    ///
    /// # Errors
    /// The first problem, naming what was typed.
    pub fn check(&self) -> Result<(), CommandError> {
        for c in [Some(&self.command), self.prepare.as_ref(), self.cleanup.as_ref(), self.reference.as_ref()].into_iter().flatten() {
            words(c, self.shell)?;
        }
        self.env.iter().try_for_each(EnvVar::check)?;
        let used = self.command.contains(THREADS) || self.env.iter().any(|e| e.value.contains(THREADS));
        if !used {
            return Err(CommandError::NoPlaceholder(self.command.clone()));
        }
        match self.timeout_s {
            Some(t) if !(t > 0.0 && t <= MAX_TIMEOUT_S) => Err(CommandError::Timeout(t)),
            _ => Ok(()),
        }
    }

    /// Whether `{n}` appears, so weak scaling can grow it.
    pub fn uses_size(&self) -> bool {
        self.command.contains(SIZE) || self.env.iter().any(|e| e.value.contains(SIZE))
    }

    /// The timed command at `threads` threads and size `n`.
    ///
    /// # Errors
    /// As [`CommandSpec::check`].
    pub fn at(&self, threads: usize, n: u64) -> Result<Invocation, CommandError> {
        self.invocation(&self.command, threads, n)
    }

    /// The sequential reference: `--reference` at size `n`, else the command at 1 thread.
    ///
    /// # Errors
    /// As [`CommandSpec::check`].
    pub fn reference_at(&self, n: u64) -> Result<Invocation, CommandError> {
        self.invocation(self.reference.as_deref().unwrap_or(&self.command), 1, n)
    }

    /// `prepare` or `cleanup` (or any other command of this spec) at `threads` and `n`.
    ///
    /// # Errors
    /// As [`CommandSpec::check`].
    pub fn invocation(&self, command: &str, threads: usize, n: u64) -> Result<Invocation, CommandError> {
        let fill = |s: &str| s.replace(THREADS, &threads.to_string()).replace(SIZE, &n.to_string());
        let argv = words(command, self.shell)?.iter().map(|w| fill(w)).collect();
        let env = self.env.iter().map(|e| (e.name.clone(), fill(&e.value))).collect();
        let timeout = self.timeout_s.filter(|t| *t > 0.0 && *t <= MAX_TIMEOUT_S).map(Duration::from_secs_f64);
        Ok(Invocation { argv, env, workdir: self.workdir.clone(), timeout })
    }

    /// The program's name, for labels: `xz`, or `sh` for a shell command.
    pub fn program(&self) -> String {
        let first = words(&self.command, self.shell).ok().and_then(|w| w.into_iter().next()).unwrap_or_default();
        // A shell command is named by its first program, unless it starts with shell syntax (`if`, `for`, `VAR=`, `(`).
        let keyword = |w: &str| {
            ["if", "for", "while", "until", "case", "{", "(", "!", "exec", "time"].contains(&w) || w.contains(['=', '(', ';', '$'])
        };
        let first = match self.command.split_whitespace().next() {
            Some(w) if self.shell && !keyword(w) => w.to_string(),
            _ if self.shell => "sh".to_string(),
            _ => first,
        };
        std::path::Path::new(&first).file_name().map_or(first.clone(), |f| f.to_string_lossy().into_owned())
    }
}

/// The words of `command`: split as a shell splits them, or `sh -c command` with `shell`.
fn words(command: &str, shell: bool) -> Result<Vec<String>, CommandError> {
    if command.len() > MAX_LEN || command.contains('\0') {
        return Err(CommandError::TooLong);
    }
    if command.trim().is_empty() {
        return Err(CommandError::Empty);
    }
    if shell {
        return Ok(vec!["sh".into(), "-c".into(), command.to_string()]);
    }
    shell_words::split(command).map_err(|e| CommandError::Split(command.to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_in_words_and_environment() {
        let spec = CommandSpec {
            env: vec!["OMP_NUM_THREADS={threads}".parse().unwrap(), "SIZE={n}".parse().unwrap()],
            ..CommandSpec::new("xz -T{threads} -c 'my file.tar' --size={n}")
        };
        spec.check().unwrap();
        let inv = spec.at(4, 1000).unwrap();
        assert_eq!(inv.argv, ["xz", "-T4", "-c", "my file.tar", "--size=1000"]);
        assert_eq!(inv.env, [("OMP_NUM_THREADS".to_string(), "4".to_string()), ("SIZE".to_string(), "1000".to_string())]);
        assert_eq!(spec.reference_at(7).unwrap().argv[1], "-T1");
        assert_eq!(inv.to_string(), "OMP_NUM_THREADS=4 SIZE=1000 xz -T4 -c 'my file.tar' '--size=1000'");
    }

    #[test]
    fn a_command_without_a_placeholder_is_refused_with_the_reason() {
        let e = CommandSpec::new("xz -c data.tar").check().unwrap_err();
        assert_eq!(e, CommandError::NoPlaceholder("xz -c data.tar".into()));
        assert!(e.to_string().contains("{threads}") && e.to_string().contains("--env"), "{e}");
        // An environment variable that takes it is enough.
        let spec = CommandSpec { env: vec!["OMP_NUM_THREADS={threads}".parse().unwrap()], ..CommandSpec::new("./omp") };
        spec.check().unwrap();
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(matches!(CommandSpec::new("   ").check(), Err(CommandError::Empty)));
        assert!(matches!(CommandSpec::new("echo 'open {threads}").check(), Err(CommandError::Split(..))));
        assert!("1X={threads}".parse::<EnvVar>().is_err());
        assert!("NOEQUALS".parse::<EnvVar>().is_err());
        let t = CommandSpec { timeout_s: Some(-1.0), ..CommandSpec::new("sleep {threads}") };
        assert!(matches!(t.check(), Err(CommandError::Timeout(_))));
        assert!(matches!(CommandSpec::new("a\0{threads}").check(), Err(CommandError::TooLong)));
    }

    #[test]
    fn shell_commands_run_through_sh() {
        let spec = CommandSpec { shell: true, ..CommandSpec::new("sort --parallel={threads} big.txt | wc -l") };
        assert_eq!(spec.at(2, 1).unwrap().argv, ["sh", "-c", "sort --parallel=2 big.txt | wc -l"]);
        assert_eq!(spec.program(), "sort");
        assert_eq!(CommandSpec::new("/usr/bin/xz -T{threads}").program(), "xz");
        let script = CommandSpec { shell: true, ..CommandSpec::new("if [ {threads} -gt 1 ]; then exit 1; fi") };
        assert_eq!(script.program(), "sh");
    }
}
