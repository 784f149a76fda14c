//! The top level: owns the layers ([`Jobs`], [`Shelf`], [`Exporter`],
//! [`FrameStats`]), carries out the panels' [`Action`]s, and turns each
//! layer's answer into the message line. The window's layout is in
//! [`super::layout`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use eframe::egui;

use super::export::Exporter;
use super::files::{self, FilePaths, Picked, SaveFormat};
use super::frame_stats::FrameStats;
use super::jobs::{Ended, Jobs};
use super::panels::Action;
use super::panels::learn::LESSONS;
use super::shelf::{Said, Shelf};
use super::state::{JobKind, Settings, Tab};
use crate::experiment::SweepPlan;
use crate::experiment::{Library, Status, StopCause};
use crate::machine::MachineInfo;
use crate::measure::preflight::Preflight;
use crate::units::count_of;

/// A line shown at the top of the window.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// An error (red) or news (plain).
    pub error: bool,
    /// The text.
    pub text: String,
}

/// The whole app.
#[derive(Debug)]
pub struct ScalescopeApp {
    /// The controls' values (persisted).
    pub settings: Settings,
    /// This machine.
    pub(crate) machine: MachineInfo,
    /// The running job and its live picture.
    pub jobs: Jobs,
    /// Every experiment, and which the plots show.
    pub shelf: Shelf,
    /// Saves and PNG exports.
    pub export: Exporter,
    /// Frame times.
    pub(crate) frames: FrameStats,
    /// The message line.
    pub message: Option<Message>,
    /// Text of each parameter field, by "workload/param".
    pub(crate) param_text: BTreeMap<String, String>,
    /// A typed path per file action: when set, that action uses it instead
    /// of a file dialog (keyboards, scripts, tests, desktops without a
    /// file-dialog portal).
    pub paths: FilePaths,
    /// The "Why not ideal?" panel's selections.
    pub(crate) why: super::panels::why::WhyState,
    /// Where the tab on show was drawn last frame (for PNG export).
    pub(crate) tab_rect: Option<egui::Rect>,
    pub(crate) ctx: Option<egui::Context>,
    /// A job held back until the person answers what the check before it found.
    pub asking: Option<Ask>,
    /// A job held back until the person has seen its command, which came
    /// from a file (see [`super::panels::command`]).
    pub confirming: Option<Held>,
    /// Start the open lesson's run at the first frame (`--lesson N --run`).
    run_at_start: bool,
    /// What a save waiting for the "replace?" answer will write.
    saving: Option<Vec<crate::experiment::Experiment>>,
    /// The Markdown copied last (what the clipboard was given).
    pub last_markdown: Option<String>,
    /// The watch on the library's folder (see [`super::watch`]).
    pub(crate) watch: Option<super::watch::LibraryWatch>,
    /// The what-if prediction being checked: its job's runs join its experiment.
    pub checking: Option<super::panels::what_if::CheckRequest>,
    /// "Find the crossover": the search, its points and its answer.
    pub crossover: super::crossover::CrossoverSearch,
}

/// A job held back by the check before measuring, and what the check found.
#[derive(Debug)]
pub struct Ask {
    kind: JobKind,
    plan: SweepPlan,
    lesson: Option<&'static str>,
    /// What the check found.
    pub preflight: Preflight,
}

/// A job held back before it starts.
#[derive(Debug)]
pub struct Held {
    kind: JobKind,
    /// What it would run.
    pub plan: SweepPlan,
    lesson: Option<&'static str>,
}

/// The person's answer to an [`Ask`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Measure anyway.
    Go,
    /// Check the machine again (after waiting for the other program).
    Again,
    /// Do not start.
    Cancel,
}

/// Settings read back from disk: a command in them was not typed in this
/// session, so it is marked as from the saved settings (and asked about
/// before it runs: their trust is never saved).
fn restored(mut settings: Settings) -> Settings {
    if settings.specs.iter().any(|s| s.command.is_some()) {
        settings.command_from = Some("the settings saved when the app last closed".into());
    }
    settings
}

/// The key the settings are kept under for the library in `dir`: settings
/// belong to a library, so a fresh library starts from the defaults.
fn settings_key(dir: &Path) -> String {
    format!("settings:{}", dir.display())
}

impl ScalescopeApp {
    /// The app, with settings restored from `storage` when there are any,
    /// and the user's experiments library reopened.
    pub(crate) fn new(storage: Option<&dyn eframe::Storage>) -> Self {
        let stored = |key: &str| storage.and_then(|s| eframe::get_value::<Settings>(s, key));
        match Library::default_location() {
            Ok(library) => {
                // Settings saved before they belonged to a library go to the default one.
                let unnamed = std::env::var_os(crate::experiment::library::DATA_DIR_VAR).is_none();
                let settings =
                    stored(&settings_key(library.dir())).or_else(|| stored(eframe::APP_KEY).filter(|_| unnamed)).unwrap_or_default();
                Self::with_library(restored(settings), library)
            }
            Err(e) => {
                let settings = stored(eframe::APP_KEY).unwrap_or_default();
                let mut app = Self::with_settings(restored(settings));
                app.error(format!("No experiments library, so nothing measured is kept: {e}"));
                app
            }
        }
    }

    /// The app with these settings and `library`: every experiment in it is
    /// reopened, and every job is saved to it.
    pub fn with_library(settings: Settings, library: Library) -> Self {
        let mut app = Self::with_settings(settings);
        let (mut shelf, news) = Shelf::reopen(library);
        // What was hidden stays hidden.
        shelf.hide_ids(&std::mem::take(&mut app.settings.hidden));
        app.shelf = shelf;
        // The plots open on a workload that has experiments: the latest one's, where the view's has none.
        let view = app.settings.view;
        if !app.shelf.results.iter().any(|x| x.workload.name == view)
            && let Some(latest) = app.shelf.results.last()
        {
            app.settings.view = latest.workload.name;
        }
        if let Some(news) = news {
            app.say(news);
        }
        app
    }

    /// The app with these settings and no library (tests use this).
    pub fn with_settings(settings: Settings) -> Self {
        ScalescopeApp {
            settings,
            machine: MachineInfo::detect(),
            jobs: Jobs::default(),
            shelf: Shelf::default(),
            export: Exporter::default(),
            frames: FrameStats::default(),
            message: None,
            param_text: BTreeMap::new(),
            paths: FilePaths::default(),
            why: Default::default(),
            tab_rect: None,
            ctx: None,
            asking: None,
            confirming: None,
            checking: None,
            crossover: super::crossover::CrossoverSearch::default(),
            run_at_start: false,
            saving: None,
            last_markdown: None,
            watch: None,
        }
    }

    /// The app as `open` asks: on a lesson's view (and its run started at
    /// the first frame, with `run`), at a zoom.
    pub fn opened(mut self, open: crate::cli::args::OpenArgs) -> Self {
        if let Some(i) = open.lesson.map(|n| usize::from(n) - 1).filter(|&i| i < LESSONS.len()) {
            self.settings.lesson = Some(i);
            self.run_at_start = open.run;
        }
        if let Some(z) = open.zoom {
            self.settings.zoom = z;
        }
        self
    }

    /// At the first frame: the lesson's run `--run` asked for.
    pub(crate) fn first_frame(&mut self) {
        if std::mem::take(&mut self.run_at_start)
            && let Some(i) = self.settings.lesson
        {
            let (settings, kind) = LESSONS[i].plan(&self.settings);
            self.try_lesson(i, &settings, kind);
        }
    }

    /// Whether a job is running.
    pub fn is_running(&self) -> bool {
        self.jobs.is_running()
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message { error: false, text: text.into() });
    }

    /// Shows an error at the top of the window.
    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { error: true, text: text.into() });
    }

    /// Shows what a layer answered.
    fn say(&mut self, said: Said) {
        match said {
            Ok(news) => self.info(news),
            Err(trouble) => self.error(trouble),
        }
    }

    /// Starts a job with the current settings. Refused (with a message)
    /// while one runs or when the settings are invalid.
    pub fn start(&mut self, kind: JobKind) {
        match self.settings.plan(kind, self.machine.logical_cores) {
            Ok(plan) => self.check_then_start(kind, plan, None),
            Err(e) => self.error(format!("Cannot start: {e}")),
        }
    }

    /// Starts the job, unless the check before measuring finds something
    /// to ask (a long job, another program using the CPU): then it waits
    /// for the person's [`Answer`].
    fn check_then_start(&mut self, kind: JobKind, plan: SweepPlan, lesson: Option<&'static str>) {
        if self.untrusted(&plan) {
            // A command from a file: the person sees all of it first.
            self.confirming = Some(Held { kind, plan, lesson });
            return;
        }
        if self.settings.check_first && !self.jobs.is_running() {
            let preflight = self.preflight(&plan);
            if !preflight.questions().is_empty() {
                self.asking = Some(Ask { kind, plan, lesson, preflight });
                return;
            }
        }
        self.start_plan(kind, plan, lesson);
    }

    /// Acts on the person's answer to the check before measuring.
    pub fn answer_check(&mut self, answer: Answer) {
        let Some(ask) = self.asking.take() else { return };
        match answer {
            Answer::Go => self.start_plan(ask.kind, ask.plan, ask.lesson),
            Answer::Again => {
                self.asking = Some(Ask { preflight: self.preflight(&ask.plan), ..ask });
                if self.asking.as_ref().is_some_and(|a| a.preflight.questions().is_empty()) {
                    self.answer_check(Answer::Go);
                }
            }
            Answer::Cancel => self.info("Not started."),
        }
    }

    /// Whether `plan` runs a command the person has not typed or confirmed.
    fn untrusted(&self, plan: &SweepPlan) -> bool {
        plan.workload.command.as_ref().is_some_and(|c| !self.settings.command_trusted(c))
    }

    /// The check before measuring `plan` (a program is never probed: see [`Preflight::of`]).
    fn preflight(&self, plan: &SweepPlan) -> Preflight {
        Preflight::of(plan, self.machine.logical_cores)
    }

    /// Acts on the person's answer to the question before a command from a
    /// file runs: `run` trusts it (it then runs, after the usual check),
    /// else nothing runs.
    pub fn answer_command(&mut self, run: bool) {
        let Some(held) = self.confirming.take() else { return };
        match (run, &held.plan.workload.command) {
            (true, Some(c)) => {
                self.settings.trust_command(c.clone());
                self.check_then_start(held.kind, held.plan, held.lesson);
            }
            _ => self.info("Not run: the command from the file was not started."),
        }
    }

    /// Starts a job of `plan` (for `lesson`, when a lesson starts it).
    /// Refused (with a message) while one runs, when the plan is invalid,
    /// or when it runs a command the person has not typed or confirmed.
    pub(crate) fn start_plan(&mut self, kind: JobKind, plan: SweepPlan, lesson: Option<&'static str>) {
        if self.untrusted(&plan) {
            return self.error("Not started: the command came from a file and has not been confirmed.");
        }
        if self.crossover.is_running() {
            return self.error("Not started: the crossover search is measuring (cancel it first).");
        }
        let wake = self.waker();
        // A check's runs join their experiment (saved there): its own is not kept.
        let library = if kind == JobKind::Check { None } else { self.shelf.library.clone() };
        match self.jobs.start(kind, plan, lesson, library, self.settings.quiet, wake) {
            Ok(label) => {
                // A check stays beside its prediction: the row fills in when it ends.
                if kind != JobKind::Check {
                    self.settings.tab = Tab::Live;
                }
                self.info(format!("Started: {label}"));
            }
            Err(e) => self.error(e),
        }
    }

    /// Asks the running job to stop.
    pub(crate) fn cancel(&mut self) {
        if self.jobs.cancel() {
            self.info("Cancelling...");
        }
    }

    /// Takes in what the job sent since the last frame. Never blocks.
    pub(crate) fn poll(&mut self) {
        let polled = self.jobs.poll();
        if let Some(e) = polled.save_failed {
            self.error(format!("Cannot save to the experiments library: {e}"));
        }
        if let Some(ended) = polled.ended {
            self.ended(ended);
        }
        if self.crossover.poll() {
            match &self.crossover.result {
                Some(Ok(found)) => self.info(format!("Crossover: {}", found.words())),
                Some(Err(e)) => self.error(format!("The crossover search ended: {e}")),
                None => {}
            }
        }
        self.watch_library();
    }

    fn ended(&mut self, ended: Ended) {
        let Ended { result, file: saved_to, elapsed_s, total_runs, runs_done, items } = ended;
        let file = match result {
            Ok(file) => file,
            Err(e) => return self.error(format!("The job could not start: {e}")),
        };
        if let Some(check) = self.checking.take() {
            return self.checked(&check, file);
        }
        let grown: Vec<&crate::experiment::RunRecord> = file.weak.iter().flat_map(|w| &w.steps).flat_map(|s| &s.runs).collect();
        let bad = file.runs.iter().chain(grown.iter().copied()).filter(|r| !r.verified).count();
        let kept = file.runs.len() + grown.len();
        let status = file.status.clone();
        if file.baseline.is_some() {
            // The plots show what just ran (a lesson may run another workload).
            self.settings.view = file.workload.name;
            self.shelf.add(file, saved_to);
        }
        match status {
            Status::Stopped { by: StopCause::Error { message }, .. } => {
                self.error(format!("The job failed: {message} ({} measured before it kept)", count_of(kept, "configuration")));
            }
            Status::Stopped { .. } => self.info(format!(
                "Cancelled after {elapsed_s:.1} s: {runs_done} of {total_runs} runs completed; the interrupted run had mapped {items} items; {} kept.", count_of(kept, "configuration")
            )),
            _ => {
                let text = format!(
                    "Done in {elapsed_s:.1} s: {}, {}",
                    count_of(kept, "configuration"),
                    if bad == 0 { "all verified".to_string() } else { format!("{bad} NOT verified") }
                );
                if bad == 0 { self.info(text) } else { self.error(text) }
            }
        }
    }

    /// Starts the run a what-if prediction names, into its experiment.
    fn check(&mut self, request: super::panels::what_if::CheckRequest) {
        if self.jobs.is_running() {
            return self.error("A job is already running: cancel it first.");
        }
        let plan = request.plan.clone();
        self.checking = Some(request);
        self.start_plan(JobKind::Check, plan, None);
        if !self.jobs.is_running() {
            self.checking = None;
        }
    }

    /// What a background thread calls to have the window redrawn.
    fn waker(&self) -> impl Fn() + Send + 'static {
        let ctx = self.ctx.clone();
        move || {
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        }
    }

    /// Starts the crossover search for the controls' workload and thread count.
    fn find_crossover(&mut self) {
        if self.jobs.is_running() {
            return self.error("A job is running: cancel it first.");
        }
        if self.settings.threads.get() < 2 {
            return self.error("The crossover races threads against the plain loop: set 2 threads or more.");
        }
        let wake = self.waker();
        let (spec, threads) = (self.settings.spec(), self.settings.threads);
        match self.crossover.start(spec, threads, wake) {
            Ok(()) => self.info(format!("Searching where {threads} threads beat the plain loop...")),
            Err(e) => self.error(e),
        }
    }

    /// A check's job ended: its runs join the experiment, and the message
    /// says predicted against measured.
    fn checked(&mut self, check: &super::panels::what_if::CheckRequest, file: crate::experiment::Experiment) {
        let measured = file.runs.first().map(|r| r.median_s);
        match (self.shelf.absorb(&check.target, file), measured) {
            (Ok(()), Some(m)) => {
                let error = (check.predicted_s - m) / m.max(1e-12) * 100.0;
                self.info(format!(
                    "Checked {}: predicted {:.1} ms, measured {:.1} ms (error {error:+.0}%); the run joined its experiment.",
                    check.what,
                    check.predicted_s * 1e3,
                    m * 1e3
                ));
            }
            (Ok(()), None) => self.info("The check measured nothing."),
            (Err(e), _) => self.error(format!("The check's run could not join its experiment: {e}")),
        }
    }

    /// Opens a results file to compare with this machine's.
    ///
    /// # Errors
    /// The file is unreadable or not a results file; the message is also shown.
    pub fn open_results(&mut self, path: &Path) -> Result<(), String> {
        let said = self.shelf.open(path);
        if let Ok(super::shelf::Opened::Added(_)) = &said {
            self.settings.tab = Tab::Scaling;
            if let Some(x) = self.shelf.results.last() {
                self.settings.view = x.workload.name;
            }
        }
        let said = said.map(|o| match o {
            super::shelf::Opened::Added(news) | super::shelf::Opened::AlreadyListed(news) => news,
        });
        self.say(said.clone());
        said.map(|_| ())
    }

    /// Saves the shown results of the selected workload as JSON or CSV, without asking.
    ///
    /// # Errors
    /// Nothing to save, or the file cannot be written; the message is also shown.
    pub fn save_results(&mut self, path: &Path, format: SaveFormat) -> Result<(), String> {
        let said = super::export::save(&self.shelf.shown_of(self.settings.view), path, format);
        self.say(said.clone());
        said.map(|_| ())
    }

    /// Saves `files` as `format` to a path from the dialog (or the typed
    /// one); a results file there is asked about first.
    fn save_as(&mut self, format: SaveFormat, files: Vec<crate::experiment::Experiment>) {
        let (ext, name) = format.file();
        let dialog = || rfd::FileDialog::new().set_title("Save results").add_filter(ext, &[ext]).set_file_name(name).save_file();
        match files::pick(&self.paths.save, dialog) {
            Picked::Path(path) => {
                let text = self.settings.spec().file;
                let inputs: Vec<&Path> = text.iter().map(PathBuf::as_path).collect();
                match self.export.request_save(&files, path, format, &inputs) {
                    Some(said) => self.say(said),
                    None => self.saving = Some(files),
                }
            }
            Picked::NoDialog => self.no_dialog("save to"),
            Picked::Cancelled => {}
        }
    }

    /// The experiments a report holds: `key`'s alone, or those shown of the view.
    fn report_of(&self, key: Option<super::shelf::Key>) -> Vec<crate::experiment::Experiment> {
        match key {
            Some(k) => self.shelf.get(k).cloned().into_iter().collect(),
            None => self.shelf.shown_of(self.settings.view),
        }
    }

    /// Writes a report page to a path from the dialog (or the typed one);
    /// a file that is not a report is never written over.
    fn save_report(&mut self, key: Option<super::shelf::Key>) {
        use crate::export::report::{ReportKind, html_with_lesson};
        let files = self.report_of(key);
        if files.is_empty() {
            return self.error("Nothing to report yet: run something first.");
        }
        let dialog = || {
            rfd::FileDialog::new()
                .set_title("Save report")
                .add_filter("html", &["html"])
                .set_file_name("scalescope-report.html")
                .save_file()
        };
        let path = match files::pick(&self.paths.report, dialog) {
            Picked::Path(path) => path,
            Picked::NoDialog => return self.no_dialog("report file"),
            Picked::Cancelled => return,
        };
        if path.exists() && !ReportKind::Html.is_report(&path) {
            return self
                .error(format!("Not saved: {} is not a scalescope report, so it is left as it is.", crate::untrusted::escape_path(&path)));
        }
        let all: Vec<&crate::experiment::Experiment> = files.iter().collect();
        // A lesson's report (from its view) carries the lesson's text: the handout.
        let lesson = key.and(self.settings.lesson).and_then(|i| LESSONS.get(i)).map(|l| (l.title, l.text));
        match crate::experiment::write_atomically(&path, html_with_lesson(&all, lesson).as_bytes()) {
            Ok(()) => {
                self.info(format!("Saved a report of {} to {}", count_of(files.len(), "experiment"), crate::untrusted::escape_path(&path)))
            }
            Err(e) => self.error(format!("Cannot save {}: {e}", crate::untrusted::escape_path(&path))),
        }
    }

    /// Copies the Markdown summary of the experiments shown to the clipboard.
    fn copy_markdown(&mut self) {
        let files = self.report_of(None);
        if files.is_empty() {
            return self.error("Nothing to copy yet: run something first.");
        }
        let all: Vec<&crate::experiment::Experiment> = files.iter().collect();
        let text = crate::export::report::markdown(&all);
        if let Some(ctx) = &self.ctx {
            ctx.copy_text(text.clone());
        }
        self.last_markdown = Some(text);
        self.info(format!("Copied a Markdown summary of {} to the clipboard.", count_of(files.len(), "experiment")));
    }

    /// Sets the word-count text file after checking it can be opened.
    pub(crate) fn set_text_file(&mut self, path: PathBuf) {
        match std::fs::File::open(&path) {
            Ok(_) => {
                self.settings.spec_mut().file = Some(path.clone());
                self.info(format!("Text file: {}", path.display()));
            }
            Err(e) => self.error(format!("Cannot read {}: {e}", path.display())),
        }
    }

    /// Tells the person that no file dialog could open, and what to do.
    fn no_dialog(&mut self, field: &str) {
        self.error(format!("No file dialog could open on this desktop: type the path in the '{field}' field and press the button again."));
    }

    /// Answers the pending question: `yes` replaces the file.
    pub(crate) fn answer(&mut self, yes: bool) {
        let files = self.saving.take().unwrap_or_else(|| self.shelf.shown_of(self.settings.view));
        if let Some(said) = self.export.answer(yes, &files) {
            self.say(said);
        }
    }

    /// Carries out what a panel asked for.
    pub fn act(&mut self, action: Action) {
        match action {
            Action::Start(kind) => self.start(kind),
            Action::Cancel => self.cancel(),
            Action::PickText => {
                let dialog = || rfd::FileDialog::new().set_title("Open text").add_filter("text", &["txt", "md", "csv", "log"]).pick_file();
                match files::pick(&self.paths.text, dialog) {
                    Picked::Path(path) => self.set_text_file(path),
                    Picked::NoDialog => self.no_dialog("text file"),
                    Picked::Cancelled => {}
                }
            }
            Action::PickResults => {
                let dialog = || rfd::FileDialog::new().set_title("Open results").add_filter("scalescope results", &["json"]).pick_file();
                match files::pick(&self.paths.open, dialog) {
                    Picked::Path(path) => {
                        let _ = self.open_results(&path);
                    }
                    Picked::NoDialog => self.no_dialog("results file to open"),
                    Picked::Cancelled => {}
                }
            }
            Action::Save(format) => self.save_as(format, self.shelf.shown_of(self.settings.view)),
            Action::SaveReport(key) => self.save_report(key),
            Action::CopyMarkdown => self.copy_markdown(),
            Action::SaveOne(key, format) => {
                let one: Vec<_> = self.shelf.get(key).cloned().into_iter().collect();
                self.save_as(format, one);
            }
            Action::ExportPng => {
                let dialog = || {
                    rfd::FileDialog::new()
                        .set_title("Export the tab")
                        .add_filter("png", &["png"])
                        .set_file_name("scalescope.png")
                        .save_file()
                };
                match files::pick(&self.paths.png, dialog) {
                    Picked::Path(path) => {
                        if let Some(said) = self.export.request_png(self.ctx.as_ref(), path, self.settings.tab) {
                            self.say(said);
                        }
                    }
                    Picked::NoDialog => self.no_dialog("PNG file"),
                    Picked::Cancelled => {}
                }
            }
            Action::Clear => {
                let news = self.shelf.hide_all();
                self.info(news);
            }
            Action::SetShown(id, shown) => self.shelf.set_shown(id, shown),
            Action::Rename(key, name) => {
                let said = self.shelf.rename(key, name);
                self.say(said);
            }
            Action::Delete(key) => {
                let said = self.shelf.delete(key);
                self.say(said);
            }
            Action::UndoDelete => {
                let said = self.shelf.undo_delete();
                self.say(said);
            }
            Action::UseSettings(key) => self.use_settings(key),
            Action::Say(text) => self.info(text),
            Action::Check(request) => self.check(*request),
            Action::FindCrossover => self.find_crossover(),
            Action::CancelCrossover => self.crossover.cancel(),
            Action::Try(i, settings, kind) => self.try_lesson(i, &settings, kind),
            Action::Lesson(i) => self.settings.lesson = i.filter(|&i| i < LESSONS.len()),
            Action::ToggleControls => self.settings.toggle_controls(),
        }
    }

    /// Sets the controls as the experiment `key` ran; a command in it is
    /// marked as from its file, and asked about before it runs.
    fn use_settings(&mut self, key: super::shelf::Key) {
        let Some(i) = self.shelf.slots.iter().position(|s| s.key == key) else { return };
        let x = self.shelf.results[i].clone();
        // The name is the file's: long ones are cut, for the mark and the question.
        let from = format!("experiment #{} ({})", i + 1, crate::units::shorten(&x.name, 80));
        self.settings.use_experiment(&x, from);
        // The fields show the loaded values, not what was typed before.
        let prefix = format!("{}/", x.workload.name.name());
        self.param_text.retain(|k, _| !k.starts_with(&prefix));
        self.settings.lesson = None;
        self.settings.controls = true;
        let ask = if x.workload.command.is_some() { " Its command is shown to you before it runs." } else { "" };
        self.info(format!("The controls are set as #{} ran: press Run or a sweep to run it here.{ask}", i + 1));
    }

    /// Starts lesson `i`'s job with its own `settings` (the controls keep
    /// the person's) and shows its lesson view.
    fn try_lesson(&mut self, i: usize, settings: &Settings, kind: JobKind) {
        let Some(lesson) = LESSONS.get(i) else { return };
        match settings.plan(kind, self.machine.logical_cores) {
            Ok(plan) => {
                self.settings.lesson = Some(i);
                self.check_then_start(kind, plan, Some(lesson.title));
            }
            Err(e) => self.error(format!("Cannot start: {e}")),
        }
    }

    /// Writes a PNG export whose screenshot has arrived.
    pub(crate) fn finish_png(&mut self, pixels_per_point: f32) {
        if let Some(said) = self.export.finish_png(self.tab_rect, pixels_per_point) {
            self.say(said);
        }
    }

    /// Opens files dropped on the window: results files over the plots, anything else as word-count's text.
    pub(crate) fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        for path in dropped {
            if path.extension().is_some_and(|e| e == "json") {
                let _ = self.open_results(&path);
            } else if let Some(reader) = crate::workloads::WorkloadKind::ALL.into_iter().find(|k| k.info().takes_file) {
                // A text goes to the workload that reads one.
                self.settings.workload = reader;
                self.settings.view = reader;
                self.set_text_file(path);
            }
        }
    }

    /// Draws one frame: the whole UI.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        super::layout::frame(self, ui);
        self.confirm_command(ui.ctx());
    }

    /// The question before a command from a file runs, while one waits.
    fn confirm_command(&mut self, ctx: &egui::Context) {
        let Some(held) = &self.confirming else { return };
        let threads = held.plan.threads.iter().map(|t| t.get()).collect();
        let asked = super::panels::command::Asked { spec: &held.plan.workload, threads, from: self.settings.command_from.as_deref() };
        if let Some(run) = super::panels::command::confirm(ctx, &asked) {
            self.answer_command(run);
        }
    }

    /// Stops and joins the job (closing the window mid-run).
    pub(crate) fn shutdown(&mut self) {
        self.jobs.shutdown();
        if std::env::var_os("SCALESCOPE_FRAME_STATS").is_some() {
            eprintln!("{}", self.frames.summary());
        }
    }
}

impl eframe::App for ScalescopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let settings = Settings { hidden: self.shelf.hidden_ids(), ..self.settings.clone() };
        let key = self.shelf.library.as_ref().map_or_else(|| eframe::APP_KEY.to_string(), |l| settings_key(l.dir()));
        eframe::set_value(storage, &key, &settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }
}

impl Drop for ScalescopeApp {
    fn drop(&mut self) {
        if let Some(job) = &self.jobs.job {
            job.cancel();
        }
    }
}
