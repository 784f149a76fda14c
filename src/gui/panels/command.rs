//! The `command` workload's controls, and the question asked before a
//! command that came from a file runs.
//!
//! The controls: the command line, its environment, whether it runs
//! through `sh -c`, whether its output is compared, and under "More" its
//! prepare and cleanup commands, its reference, working directory and
//! timeout. A command that does not pass [`CommandSpec::check`] shows why
//! under the fields, and the start buttons stay off.
//!
//! A command runs programs on the person's machine. One typed here runs
//! when they press Run. One that came from elsewhere (an experiment's file,
//! the settings saved last time) is marked so, with every field shown, and
//! runs only once the person has read all of it in [`confirm`] and pressed
//! "Run it". Any edit here makes it the person's own. Text from a file is
//! shown escaped, as plain text: never interpreted.

use std::collections::BTreeMap;
use std::path::PathBuf;

use eframe::egui::{self, Color32, RichText};

use crate::gui::state::Settings;
use crate::program::{CommandError, CommandSpec, EnvVar};
use crate::untrusted::escape;
use crate::workloads::WorkloadSpec;

/// The colour of a field's error.
const ERROR: Color32 = Color32::from_rgb(220, 60, 60);
/// The colour of the mark on a command from a file.
const WARN: Color32 = Color32::from_rgb(230, 150, 40);

/// Keys of the fields' texts in the controls' text map.
const LINE: &str = "command-panel/line";
const ENV: &str = "command-panel/env";
const PREPARE: &str = "command-panel/prepare";
const CLEANUP: &str = "command-panel/cleanup";
const REFERENCE: &str = "command-panel/reference";
const WORKDIR: &str = "command-panel/workdir";
const TIMEOUT: &str = "command-panel/timeout";

/// The fields under "More": key, label, hint, help.
const MORE: [(&str, &str, &str, &str); 5] = [
    (PREPARE, "prepare (before each run, not timed)", "rm -f big.tar.xz", "Runs before every timed run; the same placeholders."),
    (CLEANUP, "cleanup (after each run, not timed)", "rm -f big.tar.xz", "Runs after every timed run; the same placeholders."),
    (
        REFERENCE,
        "reference (default: the command at 1 thread)",
        "xz -T1 -c big.tar",
        "The sequential run every speedup is measured against.",
    ),
    (WORKDIR, "working directory", "empty: the app's own", "Where the commands run."),
    (TIMEOUT, "timeout, seconds", "empty: none", "A run that takes longer is ended and fails."),
];

/// Draws the command's fields over `settings`' spec of the selected
/// workload, keeping what is typed in `texts`; returns the problem that
/// keeps the start buttons off, if any.
pub fn ui(ui: &mut egui::Ui, settings: &mut Settings, texts: &mut BTreeMap<String, String>) -> Option<String> {
    let current = settings.spec().command.unwrap_or_default();
    follow(ui, texts, &current);
    let from_file = settings.command_from_file();
    if from_file {
        mark(ui, settings.command_from.as_deref());
    }
    let mut changed = false;
    let label = ui.label("command line").on_hover_text("The program and its arguments; {threads} becomes each thread count");
    let line = egui::TextEdit::singleline(field(texts, LINE))
        .hint_text("xz -T{threads} -c big.tar")
        .font(egui::TextStyle::Monospace)
        .desired_width(f32::INFINITY);
    changed |= ui.add(line).labelled_by(label.id).changed();
    ui.label(RichText::new("{threads} becomes each thread count, {n} the size n.").small().weak());
    let label = ui.label("environment").on_hover_text("NAME=VALUE, one per line or comma-separated");
    let env = egui::TextEdit::multiline(field(texts, ENV))
        .hint_text("OMP_NUM_THREADS={threads}")
        .font(egui::TextStyle::Monospace)
        .desired_rows(1)
        .desired_width(f32::INFINITY);
    changed |= ui.add(env).labelled_by(label.id).changed();
    let (mut shell, mut check_output) = (current.shell, current.check_output);
    changed |= ui.checkbox(&mut shell, "through sh -c (pipes, globs, &&)").changed();
    changed |= ui
        .checkbox(&mut check_output, "compare output")
        .on_hover_text("Every run's standard output must equal the reference's (compared by a digest), or the run is marked WRONG.")
        .changed();
    changed |= more(ui, texts, from_file && hidden_fields(&current));
    let (typed, field_error) = parse(texts, shell, check_output, &current);
    if changed {
        settings.spec_mut().command = Some(typed.clone());
        settings.trust_command(typed);
    }
    let now = settings.spec().command;
    ui.data_mut(|d| d.insert_temp(seen_id(), now.clone().unwrap_or_default()));
    // Escaped: the message quotes the command, which may have come from a file.
    let problem = field_error.or_else(|| now.map_or(Err(CommandError::Empty), |c| c.check()).err().map(|e| e.to_string()));
    let problem = problem.map(|p| escape(&p).into_owned());
    if let Some(p) = &problem {
        ui.label(RichText::new(p).color(ERROR));
    }
    problem
}

/// Where the panel keeps the command it drew last.
fn seen_id() -> egui::Id {
    egui::Id::unique("command-panel/seen")
}

/// The text of the field `key`.
fn field<'a>(texts: &'a mut BTreeMap<String, String>, key: &str) -> &'a mut String {
    texts.entry(key.to_string()).or_default()
}

/// A command set elsewhere since the last frame (loaded from an
/// experiment, restored): the fields follow it.
fn follow(ui: &egui::Ui, texts: &mut BTreeMap<String, String>, current: &CommandSpec) {
    let seen = ui.data(|d| d.get_temp::<CommandSpec>(seen_id()));
    if seen.as_ref() == Some(current) && texts.contains_key(LINE) {
        return;
    }
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let env: Vec<String> = current.env.iter().map(ToString::to_string).collect();
    for (key, text) in [
        (LINE, current.command.clone()),
        (ENV, env.join("\n")),
        (PREPARE, opt(&current.prepare)),
        (CLEANUP, opt(&current.cleanup)),
        (REFERENCE, opt(&current.reference)),
        (WORKDIR, current.workdir.as_ref().map_or_else(String::new, |w| w.display().to_string())),
        (TIMEOUT, current.timeout_s.map_or_else(String::new, |t| t.to_string())),
    ] {
        texts.insert(key.to_string(), text);
    }
}

/// Whether the command sets a field that "More" would hide.
fn hidden_fields(c: &CommandSpec) -> bool {
    c.prepare.is_some() || c.cleanup.is_some() || c.reference.is_some() || c.workdir.is_some() || c.timeout_s.is_some()
}

/// The fields under "More", open while `open_all` (a command from a file
/// that sets one: nothing of it stays hidden); whether one was edited.
fn more(ui: &mut egui::Ui, texts: &mut BTreeMap<String, String>, open_all: bool) -> bool {
    let mut changed = false;
    let mut header = egui::CollapsingHeader::new("More: prepare, cleanup, reference, directory, timeout").id_salt("command-more");
    if open_all {
        header = header.open(Some(true));
    }
    header.show(ui, |ui| {
        for (key, label, hint, help) in MORE {
            let label = ui.label(label).on_hover_text(help);
            let edit = egui::TextEdit::singleline(field(texts, key)).hint_text(hint).desired_width(f32::INFINITY);
            changed |= ui.add(edit).labelled_by(label.id).on_hover_text(help).changed();
        }
    });
    changed
}

/// The command the fields say, and the first field that says nothing
/// valid (its part is then kept from `current`).
fn parse(texts: &BTreeMap<String, String>, shell: bool, check_output: bool, current: &CommandSpec) -> (CommandSpec, Option<String>) {
    let text = |key: &str| texts.get(key).map_or("", String::as_str);
    let optional = |key: &str| Some(text(key).trim()).filter(|t| !t.is_empty()).map(str::to_string);
    let mut error = None;
    let env = match env_vars(text(ENV)) {
        Ok(env) => env,
        Err(e) => {
            error = Some(e);
            current.env.clone()
        }
    };
    let timeout_s = match text(TIMEOUT).trim() {
        "" => None,
        t => match t.parse::<f64>() {
            Ok(s) => Some(s),
            Err(_) => {
                error = error.or_else(|| Some(format!("timeout: '{t}' is not a number of seconds")));
                current.timeout_s
            }
        },
    };
    let spec = CommandSpec {
        command: text(LINE).to_string(),
        env,
        shell,
        prepare: optional(PREPARE),
        cleanup: optional(CLEANUP),
        workdir: optional(WORKDIR).map(PathBuf::from),
        timeout_s,
        reference: optional(REFERENCE),
        check_output,
    };
    (spec, error)
}

/// `NAME=VALUE` entries, one per line or separated by commas (a comma
/// followed by no `NAME=` belongs to the value: `GOMP_CPU_AFFINITY=0,1`).
///
/// # Errors
/// The first entry that is not a variable, and why.
pub fn env_vars(text: &str) -> Result<Vec<EnvVar>, String> {
    let starts_var = |piece: &str| piece.split_once('=').is_some_and(|(n, _)| is_name(n.trim()));
    let mut entries: Vec<String> = Vec::new();
    for line in text.lines() {
        for (i, piece) in line.split(',').enumerate() {
            match entries.last_mut() {
                Some(last) if i > 0 && !starts_var(piece) => {
                    last.push(',');
                    last.push_str(piece);
                }
                _ => entries.push(piece.to_string()),
            }
        }
    }
    entries
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .map(|e| {
            e.parse::<EnvVar>().map_err(|err| match err {
                CommandError::Env(entry, why) => format!("environment '{entry}': {why}"),
                other => format!("environment: {other}"),
            })
        })
        .collect()
}

/// A variable's name: letters, digits and `_`, not starting with a digit.
fn is_name(s: &str) -> bool {
    !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The mark on a command that was not typed here.
fn mark(ui: &mut egui::Ui, from: Option<&str>) {
    let from = from.map_or_else(|| "a file or the settings saved last time".to_string(), |f| escape(f).into_owned());
    egui::Frame::group(ui.style()).stroke(egui::Stroke::new(1.5, WARN)).show(ui, |ui| {
        ui.label(RichText::new("From a file: not typed here").strong().color(WARN));
        ui.label(
            RichText::new(format!(
                "This command came from {from}. Run shows you all of it and asks before anything runs; editing it makes it yours."
            ))
            .small(),
        );
    });
}

/// What the question before a command from a file shows.
#[derive(Debug)]
pub struct Asked<'a> {
    /// The workload, with its command.
    pub spec: &'a WorkloadSpec,
    /// The thread counts it would run at.
    pub threads: Vec<usize>,
    /// Where the command came from, in words.
    pub from: Option<&'a str>,
}

/// The width of the names in the question's rows ("at the first count" fits).
const NAME_WIDTH: f32 = 150.0;

/// Asks, over the whole window, whether to run a command that came from a
/// file, showing all of it (escaped plain text); `Some(true)` once the
/// person pressed "Run it", `Some(false)` for Cancel (or Escape).
pub fn confirm(ctx: &egui::Context, asked: &Asked<'_>) -> Option<bool> {
    let Some(command) = &asked.spec.command else { return Some(false) };
    let mut answer = None;
    let modal = egui::Modal::new(egui::Id::unique("confirm-command")).show(ctx, |ui| {
        ui.set_max_width((ctx.content_rect().width() - 80.0).clamp(300.0, 760.0));
        ui.heading("Run a command from a file?");
        let from = asked.from.map_or_else(|| "a file or the settings saved last time".to_string(), |f| escape(f).into_owned());
        ui.label(format!(
            "This command came from {from}, not from your typing. It runs on this machine, as you, at each thread count. Read all of it first:"
        ));
        ui.add_space(4.0);
        // Rows of a fixed name width, not a Grid: a Grid's columns settle over
        // frames, and the dialog moved under the pointer while they did.
        // A long command scrolls: the buttons stay on the screen.
        let most = (ctx.content_rect().height() - 260.0).max(120.0);
        if rows_ui(ui, rows(command, asked), most) {
            ui.label(RichText::new("Longer than the box: scroll it to read all of it.").strong().color(WARN));
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui.button(RichText::new("Run it").strong()).clicked() {
                answer = Some(true);
            }
            if ui.button("Cancel").clicked() {
                answer = Some(false);
            }
        });
    });
    if answer.is_none() && modal.should_close() {
        answer = Some(false);
    }
    answer
}

/// The inner margin of a row.
const ROW_MARGIN: i8 = 4;

/// The rows, striped, names in a column of fixed width, in a scrolled box
/// at most `most` high; true when they go on below it. The values are laid
/// out here, so the box has its height from the first frame: a dialog
/// whose size settles over frames moves under the pointer.
fn rows_ui(ui: &mut egui::Ui, rows: Vec<(&'static str, String)>, most: f32) -> bool {
    let margin = f32::from(ROW_MARGIN);
    let wrap = ui.available_width() - NAME_WIDTH - ui.spacing().item_spacing.x - 2.0 * margin;
    let (font, color) = (egui::TextStyle::Monospace.resolve(ui.style()), ui.visuals().text_color());
    let name_height = ui.text_style_height(&egui::TextStyle::Body);
    let laid: Vec<_> = rows.into_iter().map(|(name, v)| (name, ui.fonts_mut(|f| f.layout(v, font.clone(), color, wrap)))).collect();
    let total: f32 = laid.iter().map(|(_, g)| g.size().y.max(name_height) + 2.0 * margin).sum();
    let height = total.min(most);
    egui::ScrollArea::vertical().max_height(height).min_scrolled_height(height).auto_shrink([false, false]).show(ui, |ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        for (i, (name, galley)) in laid.into_iter().enumerate() {
            let fill = if i % 2 == 0 { ui.visuals().faint_bg_color } else { egui::Color32::TRANSPARENT };
            egui::Frame::NONE.fill(fill).inner_margin(egui::Margin::same(ROW_MARGIN)).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_top(|ui| {
                    ui.allocate_ui_with_layout(egui::vec2(NAME_WIDTH, name_height), egui::Layout::top_down(egui::Align::Min), |ui| {
                        ui.set_width(NAME_WIDTH);
                        ui.label(RichText::new(name).strong());
                    });
                    ui.label(galley);
                });
            });
        }
    });
    total > height
}

/// The question's rows: every part of the command that runs or shapes
/// how it runs, escaped.
fn rows(c: &CommandSpec, asked: &Asked<'_>) -> Vec<(&'static str, String)> {
    let e = |s: &str| escape(s).into_owned();
    let env: Vec<String> = c.env.iter().map(|v| e(&v.to_string())).collect();
    let here = std::env::current_dir().map_or_else(|_| "unknown".to_string(), |d| crate::untrusted::escape_path(&d));
    let mut rows = vec![
        ("command", e(&c.command)),
        ("environment", if env.is_empty() { "(nothing added)".to_string() } else { env.join("\n") }),
        ("through sh -c", if c.shell { "yes: the shell reads it (pipes, globs, &&)".into() } else { "no: its words run directly".into() }),
        ("working directory", c.workdir.as_ref().map_or_else(|| format!("(the app's: {here})"), |w| crate::untrusted::escape_path(w))),
    ];
    for (name, value) in [("prepare", &c.prepare), ("cleanup", &c.cleanup), ("reference", &c.reference)] {
        if let Some(v) = value {
            rows.push((name, e(v)));
        }
    }
    if let Some(t) = c.timeout_s {
        rows.push(("timeout", format!("{t} s")));
    }
    let threads: Vec<String> = asked.threads.iter().map(ToString::to_string).collect();
    rows.push(("threads", threads.join(", ")));
    if let Some(first) = asked.threads.first()
        && let Ok(inv) = c.at(*first, asked.spec.get("n"))
    {
        rows.push(("at the first count", e(&inv.to_string())));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_entries_split_at_lines_and_at_commas_before_a_name() {
        let vars = env_vars("OMP_NUM_THREADS={threads}, MKL_NUM_THREADS={threads}\nGOMP_CPU_AFFINITY=0,1,2").unwrap_or_default();
        let got: Vec<String> = vars.iter().map(ToString::to_string).collect();
        assert_eq!(got, ["OMP_NUM_THREADS={threads}", "MKL_NUM_THREADS={threads}", "GOMP_CPU_AFFINITY=0,1,2"]);
        assert_eq!(env_vars("  \n").map(|v| v.len()), Ok(0));
        let err = env_vars("1X=2").err().unwrap_or_default();
        assert!(err.starts_with("environment '1X=2'"), "{err}");
        assert!(env_vars("NOEQUALS").is_err());
    }

    #[test]
    fn the_fields_make_a_command_and_a_bad_one_keeps_the_last_valid_part() {
        let mut texts = BTreeMap::new();
        for (k, v) in [(LINE, "xz -T{threads} -c f"), (ENV, "A=1"), (TIMEOUT, "2.5"), (WORKDIR, " /tmp "), (PREPARE, "")] {
            texts.insert(k.to_string(), v.to_string());
        }
        let (spec, error) = parse(&texts, false, true, &CommandSpec::default());
        assert_eq!(error, None);
        assert_eq!(spec.command, "xz -T{threads} -c f");
        assert_eq!(spec.timeout_s, Some(2.5));
        assert_eq!(spec.workdir, Some(PathBuf::from("/tmp")));
        assert_eq!(spec.prepare, None);
        assert!(spec.check_output);
        texts.insert(TIMEOUT.to_string(), "soon".to_string());
        let (kept, error) = parse(&texts, false, false, &spec);
        assert_eq!(kept.timeout_s, Some(2.5));
        assert!(error.is_some_and(|e| e.contains("'soon' is not a number")));
    }
}
