//! The top level: owns the state, drains the job's channels each frame,
//! dispatches to one panel per area, and carries out the panels' actions.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Instant;

use eframe::egui::{self, Color32, RichText};

use super::files::{self, FilePaths, Pending, Picked, SaveCheck};
use super::live::LiveRun;
use super::panels;
use super::plot_data::Labelled;
use super::runner::{Job, JobEvent};
use super::state::{JobKind, Settings, Tab};
use crate::engine::ProgressEvent;
use crate::experiment::outputs::OutputKind;
use crate::experiment::{Experiment, Library, Status, StopCause, write_atomically};
use crate::export::csv;
use crate::machine::MachineInfo;
use crate::metrics::SweepEvent;
use crate::metrics::analysis::analyse;

/// What a panel asks the app to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start a job of this kind with the current settings.
    Start(JobKind),
    /// Cancel the running job.
    Cancel,
    /// Pick a text file for word-count (file dialog).
    PickText,
    /// Pick a results file to lay over this machine's curves (file dialog).
    PickResults,
    /// Save the results (file dialog), as JSON or CSV.
    Save {
        /// CSV instead of JSON.
        csv: bool,
    },
    /// Export the scaling plots as a PNG (file dialog).
    ExportPng,
    /// Forget this session's results and the opened files.
    Clear,
    /// Start a job with a lesson's own settings (the controls keep theirs).
    Try(Box<Settings>, JobKind),
    /// Show (true) or hide an experiment on the plots.
    SetShown(String, bool),
    /// Rename an experiment (saved to the library).
    Rename(String, String),
    /// Delete an experiment (from the list and the library; undo restores it).
    Delete(String),
    /// Restore the experiment deleted last.
    UndoDelete,
}

/// A line shown at the top of the window.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// An error (red) or news (plain).
    pub error: bool,
    /// The text.
    pub text: String,
}

/// The whole app.
pub struct ScalescopeApp {
    /// The controls' values (persisted).
    pub settings: Settings,
    /// This machine.
    pub machine: MachineInfo,
    /// The running job, if any.
    pub job: Option<Job>,
    /// The live view of the current engine call.
    pub live: LiveRun,
    /// Runs of the current job finished so far.
    pub runs_done: usize,
    /// What the job is running now, in words.
    pub current: String,
    /// Labels of runs that started but whose engine call has not yet
    /// reported `Started`: the live view takes the next one at each `Started`.
    pending_labels: VecDeque<String>,
    /// Every experiment: the library's, this session's, the files opened.
    pub results: Vec<Experiment>,
    /// Ids of the experiments hidden from the plots.
    pub hidden: BTreeSet<String>,
    /// The experiment being renamed, and the text typed.
    pub renaming: super::panels::experiments::Renaming,
    /// The experiment deleted last and where it was, for Undo.
    pub trash: Option<(usize, Experiment)>,
    /// The message line.
    pub message: Option<Message>,
    /// Text of each parameter field, by "workload/param".
    pub param_text: BTreeMap<String, String>,
    /// A typed path per file action: when set, that action uses it instead
    /// of a file dialog (keyboards, scripts, tests, desktops without a
    /// file-dialog portal).
    pub paths: FilePaths,
    /// A question waiting for an answer (replace a results file?).
    pub pending: Option<Pending>,

    /// Frame build times, milliseconds (the last 600 frames).
    pub frame_ms: VecDeque<f32>,
    /// Frame build times while a job ran, milliseconds (the last 2000 such frames).
    pub busy_frame_ms: VecDeque<f32>,
    /// Time between frames while a job ran, milliseconds (the last 2000).
    pub busy_interval_ms: VecDeque<f32>,
    last_frame: Option<Instant>,
    ctx: Option<egui::Context>,
    pending_png: Option<(PathBuf, Tab)>,
    screenshot: std::sync::Arc<std::sync::Mutex<Option<std::sync::Arc<egui::ColorImage>>>>,
    /// The "Why not ideal?" panel's selections.
    pub why: super::panels::why::WhyState,
    /// Where the tab on show was drawn last frame (for PNG export).
    pub tab_rect: Option<egui::Rect>,
    /// The experiments library every job is saved to (none in tests).
    pub library: Option<Library>,
}

impl ScalescopeApp {
    /// The app, with settings restored from `storage` when there are any,
    /// and the user's experiments library reopened.
    pub fn new(storage: Option<&dyn eframe::Storage>) -> Self {
        let settings = storage.and_then(|s| eframe::get_value::<Settings>(s, eframe::APP_KEY)).unwrap_or_default();
        match Library::default_location() {
            Ok(library) => Self::with_library(settings, library),
            Err(e) => {
                let mut app = Self::with_settings(settings);
                app.error(format!("No experiments library, so nothing measured is kept: {e}"));
                app
            }
        }
    }

    /// The app with these settings and `library`: every experiment in it is
    /// reopened, and every job is saved to it.
    pub fn with_library(settings: Settings, library: Library) -> Self {
        let mut app = Self::with_settings(settings);
        let mut unreadable = 0;
        for entry in library.list() {
            match entry.experiment {
                Ok(mut x) => {
                    if x.runs.iter().any(|r| r.diagnosis.is_none()) {
                        analyse(&mut x);
                    }
                    app.results.push(x);
                }
                Err(_) => unreadable += 1,
            }
        }
        let n = app.results.len();
        if n > 0 || unreadable > 0 {
            let skipped = if unreadable > 0 { format!(" ({unreadable} unreadable files left alone)") } else { String::new() };
            app.info(format!("Reopened {n} experiments from {}{skipped}", library.dir().display()));
        }
        app.library = Some(library);
        app
    }

    /// The app with these settings and no library (tests use this).
    pub fn with_settings(settings: Settings) -> Self {
        ScalescopeApp {
            settings,
            machine: MachineInfo::detect(),
            job: None,
            live: LiveRun::default(),
            runs_done: 0,
            current: String::new(),
            pending_labels: VecDeque::new(),
            results: Vec::new(),
            hidden: BTreeSet::new(),
            renaming: None,
            trash: None,
            message: None,
            param_text: BTreeMap::new(),
            paths: FilePaths::default(),
            pending: None,
            frame_ms: VecDeque::new(),
            busy_frame_ms: VecDeque::new(),
            busy_interval_ms: VecDeque::new(),
            last_frame: None,
            ctx: None,
            pending_png: None,
            screenshot: Default::default(),
            why: Default::default(),
            tab_rect: None,
            library: None,
        }
    }

    /// Whether a job is running.
    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message { error: false, text: text.into() });
    }

    /// Shows an error at the top of the window.
    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { error: true, text: text.into() });
    }

    /// Starts a job with the current settings. Refused (with a message)
    /// while one runs or when the settings are invalid.
    pub fn start(&mut self, kind: JobKind) {
        let plan = self.settings.plan(kind, self.machine.logical_cores);
        self.start_plan(kind, plan);
    }

    /// Starts a job of `plan`. Refused (with a message) while one runs or
    /// when the plan is invalid.
    pub fn start_plan(&mut self, kind: JobKind, plan: crate::metrics::SweepPlan) {
        if self.job.is_some() {
            self.error("A job is already running: cancel it first.");
            return;
        }
        if let Err(e) = plan.validate() {
            self.error(format!("Cannot start: {e}"));
            return;
        }
        let label = match kind {
            JobKind::Once => format!("{} once", plan.workload.name),
            JobKind::Threads => format!(
                "{}: thread sweep {}",
                plan.workload.name,
                plan.threads.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            JobKind::Chunks => format!("{}: chunk sweep", plan.workload.name),
            JobKind::Feeders => format!("{}: all feeders", plan.workload.name),
            JobKind::Gil => format!("{}: GIL off vs on", plan.workload.name),
            JobKind::Variants => {
                format!("{}: variants {}", plan.workload.name, plan.variants.iter().map(|v| v.name()).collect::<Vec<_>>().join(", "))
            }
        };
        let ctx = self.ctx.clone();
        match Job::start(label.clone(), plan, self.library.clone(), move || {
            if let Some(ctx) = &ctx {
                ctx.request_repaint();
            }
        }) {
            Ok(job) => {
                self.job = Some(job);
                self.runs_done = 0;
                self.live = LiveRun::new("starting");
                self.pending_labels.clear();
                self.settings.tab = Tab::Live;
                self.info(format!("Started: {label}"));
            }
            Err(e) => self.error(format!("Could not start the job's thread: {e}")),
        }
    }

    /// Asks the running job to stop.
    pub fn cancel(&mut self) {
        if let Some(job) = &self.job {
            job.cancel();
            self.info("Cancelling...");
        }
    }

    /// Takes in what the job sent since the last frame. Never blocks.
    pub fn poll(&mut self) {
        let Some(job) = &self.job else { return };
        // Progress first (a snapshot), then the sweep's events: every run's
        // `Starting` is sent before its engine call's first event, so each
        // `Started` in this snapshot finds its label queued. The live view
        // keeps a finished run's picture until the next engine call starts.
        let progress = job.drain_progress();
        let mut done = None;
        let mut save_failed = None;
        for e in job.drain_events() {
            match e {
                JobEvent::Sweep(SweepEvent::Starting { done: d, label, config, .. }) => {
                    self.runs_done = d;
                    self.current = label.clone();
                    if config.is_some() {
                        self.pending_labels.push_back(label);
                    }
                }
                JobEvent::Done(r) => done = Some(*r),
                JobEvent::SaveFailed(e) => save_failed = Some(e),
            }
        }
        for e in &progress {
            if let ProgressEvent::Started { plan: None, .. } = e
                && let Some(label) = self.pending_labels.pop_front()
            {
                self.live.label = label;
            }
            self.live.apply(e);
        }
        if let Some(e) = save_failed {
            self.error(format!("Cannot save to the experiments library: {e}"));
        }
        let Some(job) = &self.job else { return };
        let Some(result) = done else { return };
        let elapsed = job.started.elapsed().as_secs_f64();
        let total = job.total_runs;
        let items = self.live.items();
        self.job = None; // the thread has ended: this join is immediate
        let mut file = match result {
            Ok(file) => file,
            Err(e) => {
                self.error(format!("The job could not start: {e}"));
                return;
            }
        };
        analyse(&mut file);
        let bad = file.runs.iter().filter(|r| !r.verified).count();
        let kept = file.runs.len();
        let status = file.status.clone();
        if file.baseline.is_some() {
            self.results.push(file);
        }
        match status {
            Status::Stopped { by: StopCause::Error { message }, .. } => {
                self.error(format!("The job failed: {message} ({kept} configurations measured before it are kept)"));
            }
            Status::Stopped { .. } => self.info(format!(
                "Cancelled after {elapsed:.1} s: {} of {total} runs completed; the interrupted run had mapped {items} items; {kept} configurations kept.",
                self.runs_done
            )),
            _ => {
                let text = format!(
                    "Done in {elapsed:.1} s: {kept} configurations, {}",
                    if bad == 0 { "all verified".to_string() } else { format!("{bad} NOT verified") }
                );
                if bad == 0 { self.info(text) } else { self.error(text) }
            }
        }
    }

    /// Opens a results file to compare with this machine's.
    ///
    /// # Errors
    /// The file is unreadable or not a results file; the message is also shown.
    pub fn open_results(&mut self, path: &Path) -> Result<(), String> {
        match Experiment::load(path) {
            Ok(mut file) => {
                if file.fits.is_empty() || file.runs.iter().any(|r| r.diagnosis.is_none()) {
                    analyse(&mut file);
                }
                let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
                // Kept in the library, so it is there at the next launch too.
                if let Some(lib) = &self.library
                    && let Ok(imported) = lib.import(path)
                {
                    file.id = imported.id;
                }
                if self.results.iter().any(|x| x.id == file.id && *x == file) {
                    self.info(format!("{name} is already in the list."));
                    return Ok(());
                }
                self.info(format!(
                    "Opened {name} as #{}: {} runs of {} measured on {}",
                    self.results.len() + 1,
                    file.runs.len(),
                    file.workload.name,
                    file.machine.describe()
                ));
                self.settings.tab = Tab::Scaling;
                self.results.push(file);
                Ok(())
            }
            Err(e) => {
                let text = e.to_string();
                self.error(text.clone());
                Err(text)
            }
        }
    }

    /// This session's results for the selected workload, merged into one
    /// file (each run keeps the speedup measured against its own reference).
    pub fn merged_results(&self) -> Option<Experiment> {
        let latest = self.results.iter().rev().find(|r| r.workload.name == self.settings.workload)?;
        let mut merged = latest.clone();
        merged.runs = self.results.iter().filter(|r| r.workload == latest.workload).flat_map(|r| r.runs.clone()).collect();
        Some(merged)
    }

    /// Saves the merged results as JSON or CSV.
    ///
    /// # Errors
    /// Nothing to save, or the file cannot be written; the message is also shown.
    pub fn save_results(&mut self, path: &Path, as_csv: bool) -> Result<(), String> {
        let Some(file) = self.merged_results() else {
            let text = "Nothing to save yet: run something first.".to_string();
            self.error(text.clone());
            return Err(text);
        };
        let written = if as_csv {
            write_atomically(path, csv::to_csv(&file).as_bytes()).map_err(|e| e.to_string())
        } else {
            file.save(path).map_err(|e| e.to_string())
        };
        match written {
            Ok(()) => {
                self.info(format!("Saved {} runs to {}", file.runs.len(), path.display()));
                Ok(())
            }
            Err(e) => {
                let text = format!("Cannot save {}: {e}", path.display());
                self.error(text.clone());
                Err(text)
            }
        }
    }

    /// Sets the word-count text file after checking it can be opened.
    pub fn set_text_file(&mut self, path: PathBuf) {
        match std::fs::File::open(&path) {
            Ok(_) => {
                self.settings.spec_mut().file = Some(path.clone());
                self.info(format!("Text file: {}", path.display()));
            }
            Err(e) => self.error(format!("Cannot read {}: {e}", path.display())),
        }
    }

    /// Renames experiment `id` and saves it to the library.
    pub fn rename(&mut self, id: &str, name: String) {
        if name.is_empty() {
            return self.error("A name cannot be empty.");
        }
        let Some(x) = self.results.iter_mut().find(|x| x.id == id) else { return };
        x.name = name;
        let saved = self.library.as_ref().map(|lib| lib.save(x));
        if let Some(Err(e)) = saved {
            self.error(format!("Renamed here, but not in the library: {e}"));
        }
    }

    /// Deletes experiment `id` from the list and the library; [`Self::undo_delete`] brings it back.
    pub fn delete(&mut self, id: &str) {
        let Some(i) = self.results.iter().position(|x| x.id == id) else { return };
        let x = self.results.remove(i);
        if let Some(lib) = &self.library
            && lib.path_of(&x.id).exists()
            && let Err(e) = lib.delete(&x.id)
        {
            self.error(format!("Removed from the list, but not from the library: {e}"));
        } else {
            self.info(format!("Deleted '{}'. Undo brings it back.", x.name));
        }
        self.trash = Some((i, x));
    }

    /// Restores the experiment deleted last, where it was, and to the library.
    pub fn undo_delete(&mut self) {
        let Some((i, x)) = self.trash.take() else { return };
        if let Some(lib) = &self.library
            && let Err(e) = lib.save(&x)
        {
            self.error(format!("Restored here, but not in the library: {e}"));
        } else {
            self.info(format!("Restored '{}'.", x.name));
        }
        self.results.insert(i.min(self.results.len()), x);
    }

    /// Tells the person that no file dialog could open, and what to do.
    fn no_dialog(&mut self, field: &str) {
        self.error(format!("No file dialog could open on this desktop: type the path in the '{field}' field and press the button again."));
    }

    /// Saves to `path` after the checks of [`files::check_save`]: a file of
    /// another kind is refused, one of the same kind asked about first.
    fn request_save(&mut self, path: PathBuf, csv: bool) {
        let kind = if csv { OutputKind::Csv } else { OutputKind::Json };
        let text = self.settings.spec().file;
        match files::check_save(&path, kind, &text.iter().map(PathBuf::as_path).collect::<Vec<_>>()) {
            SaveCheck::Write => {
                let _ = self.save_results(&path, csv);
            }
            SaveCheck::AskFirst => self.pending = Some(Pending::Replace { path, csv }),
            SaveCheck::Refuse(why) => self.error(why),
        }
    }

    /// Answers the pending question: `yes` replaces the file.
    pub fn answer(&mut self, yes: bool) {
        match self.pending.take() {
            Some(Pending::Replace { path, csv }) if yes => {
                let _ = self.save_results(&path, csv);
            }
            Some(Pending::Replace { path, .. }) => self.info(format!("Kept {} as it was.", path.display())),
            None => {}
        }
    }

    fn act(&mut self, action: Action) {
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
            Action::Save { csv } => {
                let (ext, name) = if csv { ("csv", "scalescope-results.csv") } else { ("json", "scalescope-results.json") };
                let dialog = || rfd::FileDialog::new().set_title("Save results").add_filter(ext, &[ext]).set_file_name(name).save_file();
                match files::pick(&self.paths.save, dialog) {
                    Picked::Path(path) => self.request_save(path, csv),
                    Picked::NoDialog => self.no_dialog("save to"),
                    Picked::Cancelled => {}
                }
            }
            Action::ExportPng => {
                let dialog = || {
                    rfd::FileDialog::new()
                        .set_title("Export the tab")
                        .add_filter("png", &["png"])
                        .set_file_name("scalescope.png")
                        .save_file()
                };
                let path = match files::pick(&self.paths.png, dialog) {
                    Picked::Path(path) => path,
                    Picked::NoDialog => return self.no_dialog("PNG file"),
                    Picked::Cancelled => return,
                };
                // A picture replaces only a picture (the person typed or picked the name).
                if let SaveCheck::Refuse(why) = files::check_save(&path, OutputKind::Png, &[]) {
                    return self.error(why);
                }
                self.pending_png = Some((path, self.settings.tab));
                if let Some(ctx) = &self.ctx {
                    let slot = self.screenshot.clone();
                    let wake = ctx.clone();
                    ctx.request_screenshot(move |image| {
                        *slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(image);
                        wake.request_repaint();
                    });
                }
            }
            Action::Clear => {
                self.results.clear();
                self.hidden = self.results.iter().map(|x| x.id.clone()).collect();
                self.info("Hid every experiment from the plots; the Experiments tab still lists them.");
            }
            Action::SetShown(id, shown) => {
                if shown {
                    self.hidden.remove(&id);
                } else {
                    self.hidden.insert(id);
                }
            }
            Action::Rename(id, name) => self.rename(&id, name),
            Action::Delete(id) => self.delete(&id),
            Action::UndoDelete => self.undo_delete(),
            Action::Try(settings, kind) => {
                // A lesson runs with its own settings; the controls keep the person's.
                let plan = settings.plan(kind, self.machine.logical_cores);
                self.start_plan(kind, plan);
            }
        }
    }

    fn take_screenshot(&mut self, ctx: &egui::Context) {
        if self.pending_png.is_none() {
            return;
        }
        let shot = self.screenshot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        let (Some(image), Some(rect), Some((path, tab))) = (shot, self.tab_rect, self.pending_png.clone()) else { return };
        self.pending_png = None;
        match save_png(&image, rect, ctx.pixels_per_point(), &path) {
            Ok(()) => self.info(format!("Exported the {} tab to {}", tab.name(), path.display())),
            Err(e) => self.error(format!("Cannot write {}: {e}", path.display())),
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        for path in dropped {
            if path.extension().is_some_and(|e| e == "json") {
                let _ = self.open_results(&path);
            } else {
                self.settings.workload = crate::workloads::WorkloadKind::WordCount;
                self.set_text_file(path);
            }
        }
    }

    /// The 95th percentile of recent frame build times, milliseconds.
    pub fn frame_p95_ms(&self) -> Option<f32> {
        p95(&self.frame_ms)
    }

    /// Draws one frame: the whole UI.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let t0 = Instant::now();
        let ctx = ui.ctx().clone();
        let was_running = self.job.is_some();
        if ctx.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Q)) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.ctx = Some(ctx.clone());
        self.poll();
        self.dropped_files(&ctx);
        self.take_screenshot(&ctx);
        let mut actions = Vec::new();

        egui::Panel::top("top").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.heading("scalescope");
                ui.label(RichText::new(self.machine.describe()).weak());
            });
            if let Some(m) = &self.message {
                let color = if m.error { Color32::from_rgb(220, 60, 60) } else { ui.visuals().text_color() };
                ui.label(RichText::new(&m.text).color(color));
            }
        });
        egui::Panel::bottom("status").show(ui, |ui| {
            panels::status::ui(ui, self);
        });
        egui::Panel::left("controls").resizable(true).default_size(330.0).show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                panels::controls::ui(ui, self, &mut actions);
            });
        });
        let tab_rect = egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                for tab in Tab::ALL {
                    ui.selectable_value(&mut self.settings.tab, tab, tab.name());
                }
            });
            ui.separator();
            let labels = labels(&self.results, &self.machine);
            let sources = sources(&self.results, &labels, &self.hidden, self.settings.workload);
            match self.settings.tab {
                Tab::Live => panels::live_view::ui(ui, &self.live, self.job.as_ref(), self.runs_done, &self.current),
                Tab::Scaling => panels::scaling::ui(ui, &sources, self.settings.workload, self.machine.logical_cores),
                Tab::Why => panels::why::ui(ui, &sources, &mut self.why),
                Tab::Results => panels::table::ui(ui, &sources, &mut actions),
                Tab::Learn => panels::learn::ui(ui, &self.settings, self.is_running(), &mut actions),
                Tab::Experiments => {
                    panels::experiments::ui(ui, &self.results, &self.hidden, &mut self.renaming, self.trash.is_some(), &mut actions);
                }
            }
        });
        self.tab_rect = Some(tab_rect.response.rect);
        if let Some(Pending::Replace { path, .. }) = &self.pending {
            let mut answer = None;
            egui::Window::new("Replace the results file?")
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .show(&ctx, |ui| {
                    ui.label(format!("{} is a scalescope results file already. Replace it with these results?", path.display()));
                    ui.horizontal(|ui| {
                        if ui.button("Replace it").clicked() {
                            answer = Some(true);
                        }
                        if ui.button("Keep it").clicked() {
                            answer = Some(false);
                        }
                    });
                });
            if let Some(yes) = answer {
                self.answer(yes);
            }
        }
        for a in actions {
            self.act(a);
        }
        if self.job.is_some() {
            // Live plots: redraw about 5 times a second while a job runs.
            // Drawing costs CPU (with software GL under Xvfb, 10 frames a
            // second took 40% of a core), and every cycle the window takes
            // is one the measured run does not get. Input still repaints at once.
            let every = if self.settings.quiet { 1000 } else { 200 };
            ctx.request_repaint_after(std::time::Duration::from_millis(every));
        }
        let build_ms = t0.elapsed().as_secs_f32() * 1e3;
        push_capped(&mut self.frame_ms, build_ms, 600);
        if was_running {
            push_capped(&mut self.busy_frame_ms, build_ms, 2000);
            if let Some(last) = self.last_frame {
                push_capped(&mut self.busy_interval_ms, (t0 - last).as_secs_f32() * 1e3, 2000);
            }
        }
        self.last_frame = Some(t0);
    }

    /// Stops and joins the job (closing the window mid-run).
    pub fn shutdown(&mut self) {
        if let Some(job) = self.job.take() {
            job.cancel();
            drop(job); // joins the job thread, which joins every worker
        }
        if std::env::var_os("SCALESCOPE_FRAME_STATS").is_some() {
            eprintln!(
                "frames while a job ran: {} frames, build time p95 {:.2} ms, time between frames p95 {:.1} ms",
                self.busy_frame_ms.len(),
                p95(&self.busy_frame_ms).unwrap_or(0.0),
                p95(&self.busy_interval_ms).unwrap_or(0.0)
            );
        }
    }
}

/// Each experiment's short, unique label: `#3`, and the CPU where it was
/// measured on another machine.
fn labels(results: &[Experiment], here: &MachineInfo) -> Vec<String> {
    results
        .iter()
        .enumerate()
        .map(|(i, x)| if x.machine == *here { format!("#{}", i + 1) } else { format!("#{} ({})", i + 1, x.machine.cpu_model) })
        .collect()
}

/// The shown experiments of `kind` with their labels, borrowed (this runs every frame).
fn sources<'a>(
    results: &'a [Experiment],
    labels: &'a [String],
    hidden: &BTreeSet<String>,
    kind: crate::workloads::WorkloadKind,
) -> Vec<Labelled<'a>> {
    results.iter().zip(labels).filter(|(r, _)| r.workload.name == kind && !hidden.contains(&r.id)).map(|(r, l)| (l.as_str(), r)).collect()
}

/// Saves the part `rect` (in points) of a screenshot as a PNG.
///
/// # Errors
/// The file cannot be written.
pub fn save_png(image: &egui::ColorImage, rect: egui::Rect, pixels_per_point: f32, path: &Path) -> Result<(), String> {
    use image::ImageEncoder;
    let region = image.region(&rect, Some(pixels_per_point));
    let bytes: Vec<u8> = region.pixels.iter().flat_map(|c| c.to_array()).collect();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&bytes, region.size[0] as u32, region.size[1] as u32, image::ExtendedColorType::Rgba8)
        .map_err(|e| e.to_string())?;
    write_atomically(path, &png).map_err(|e| e.to_string())
}

fn push_capped(q: &mut VecDeque<f32>, v: f32, cap: usize) {
    q.push_back(v);
    if q.len() > cap {
        q.pop_front();
    }
}

/// The 95th percentile (nearest rank), or `None` for no samples.
pub fn p95(samples: &VecDeque<f32>) -> Option<f32> {
    if samples.is_empty() {
        return None;
    }
    let mut v: Vec<f32> = samples.iter().copied().collect();
    v.sort_by(f32::total_cmp);
    Some(v[((v.len() as f32 * 0.95).ceil() as usize).clamp(1, v.len()) - 1])
}

impl eframe::App for ScalescopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }
}

impl Drop for ScalescopeApp {
    fn drop(&mut self) {
        if let Some(job) = self.job.take() {
            job.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_export_crops_the_plot_area() {
        let mut img = egui::ColorImage::filled([40, 30], Color32::BLACK);
        for y in 10..20 {
            for x in 5..15 {
                img[(x, y)] = Color32::RED;
            }
        }
        let path = std::env::temp_dir().join(format!("scalescope-crop-{}.png", std::process::id()));
        let rect = egui::Rect::from_min_max(egui::pos2(2.5, 5.0), egui::pos2(7.5, 10.0)); // points, at 2 px per point
        save_png(&img, rect, 2.0, &path).unwrap();
        let back = image::open(&path).unwrap().to_rgba8();
        assert_eq!(back.dimensions(), (10, 10));
        assert!(back.pixels().all(|p| p.0 == [255, 0, 0, 255]));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn p95_is_the_nearest_rank() {
        let q: VecDeque<f32> = (1..=100).map(|i| i as f32).collect();
        assert_eq!(p95(&q), Some(95.0));
        assert_eq!(p95(&VecDeque::new()), None);
    }
}
