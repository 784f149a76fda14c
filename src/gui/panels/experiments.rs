//! The experiments list: every experiment the app knows (this session's,
//! the library's, the files opened), with its short label (#k, as the plots
//! name it), what it measured, where, when and how it ended; show or hide it
//! on the plots, rename it, delete it (with undo).

use eframe::egui::{self, RichText};

use super::Action;
use crate::experiment::Experiment;
use crate::gui::files::SaveFormat;
use crate::gui::shelf::{Key, Shelf};
use crate::units::{count_of, human_count};

/// An experiment being renamed: its key and the text typed so far.
pub type Renaming = Option<(Key, String)>;

/// Draws the list and the library's unreadable files; what the person asks
/// for goes into `actions`.
pub fn ui(ui: &mut egui::Ui, shelf: &Shelf, renaming: &mut Renaming, actions: &mut Vec<Action>) {
    let experiments = &shelf.results;
    let can_undo = shelf.trash.is_some();
    ui.horizontal(|ui| {
        ui.label(format!(
            "{}. The plots draw the shown ones of the selected workload, named by their #.",
            count_of(experiments.len(), "experiment")
        ));
        if can_undo && ui.button("Undo delete").clicked() {
            actions.push(Action::UndoDelete);
        }
    });
    unreadable(ui, &shelf.unreadable);
    if experiments.is_empty() {
        ui.label("None yet: every Run, sweep or comparison becomes one, kept in the experiments library.");
        return;
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("experiments").striped(true).num_columns(6).spacing([14.0, 6.0]).show(ui, |ui| {
            // The machine last: at 1280x720 the columns that say when and how it ended stay in view.
            for h in ["shown", "name", "workload", "created", "status", "machine"] {
                ui.strong(h);
            }
            ui.end_row();
            for (i, (x, slot)) in experiments.iter().zip(&shelf.slots).enumerate() {
                let mut shown = shelf.is_shown(i);
                if ui.checkbox(&mut shown, RichText::new(format!("#{}", i + 1)).strong()).on_hover_text("show on the plots").changed() {
                    actions.push(Action::SetShown(slot.key, shown));
                }
                name_cell(ui, x, slot.key, &shelf.same_id(i), renaming, actions);
                cut(ui, &workload_text(x), WORKLOAD_WIDTH);
                ui.label(x.created.replace('T', " ").trim_end_matches('Z'));
                ui.label(x.status.describe());
                ui.label(format!("{} cores, {}", x.machine.logical_cores, x.machine.cpu_model));
                ui.end_row();
            }
        });
    });
}

/// The width of a name in the list.
const NAME_WIDTH: f32 = 240.0;

/// The most width the workload's words take in the list.
const WORKLOAD_WIDTH: f32 = 180.0;

/// `text` in `width` (exactly, for names, so the buttons after it line up),
/// cut with "…" where longer, and whole on hover.
fn cut(ui: &mut egui::Ui, text: &str, width: f32) {
    let size = egui::vec2(width, ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(size, egui::Layout::left_to_right(egui::Align::Center), |ui| {
        ui.set_min_width(width);
        ui.add(egui::Label::new(text).truncate()).on_hover_text(text);
    });
}

/// The name, or its edit field while it is renamed, with Rename / Delete.
/// A copy of another listed experiment's file (one id in two files) says so.
fn name_cell(ui: &mut egui::Ui, x: &Experiment, key: Key, same_id: &[usize], renaming: &mut Renaming, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        let mut close = false;
        if let Some((_, text)) = renaming.as_mut().filter(|(k, _)| *k == key) {
            let edit = ui.add(egui::TextEdit::singleline(text).desired_width(260.0));
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("OK").clicked() || enter {
                actions.push(Action::Rename(key, text.trim().to_string()));
                close = true;
            } else if ui.button("Cancel rename").clicked() {
                close = true;
            }
        } else {
            // A long name (a file's) is cut: the buttons stay in view, in line.
            cut(ui, &x.name, NAME_WIDTH);
            if !same_id.is_empty() {
                let others: Vec<String> = same_id.iter().map(|k| format!("#{k}")).collect();
                ui.label(RichText::new(format!("(same id as {}: another file)", others.join(", "))).weak())
                    .on_hover_text(format!("id {}: each row acts on its own file", x.id));
            }
            if ui.small_button("Rename").on_hover_text(format!("rename {}", x.name)).clicked() {
                *renaming = Some((key, x.name.clone()));
            }
            if ui.small_button("Delete").on_hover_text(format!("delete {}", x.name)).clicked() {
                actions.push(Action::Delete(key));
            }
            let again = "Set the controls as this experiment ran, to run it again here (a command from it is shown to you before it runs)";
            if ui.small_button("Reuse").on_hover_text(again).clicked() {
                actions.push(Action::UseSettings(key));
            }
            // Each experiment on its own: never merged with the others shown.
            ui.menu_button("Save", |ui| {
                for (label, format) in [("as JSON...", SaveFormat::Json), ("as CSV...", SaveFormat::Csv)] {
                    if ui.button(label).on_hover_text("this experiment alone (the 'save to' path or a dialog)").clicked() {
                        actions.push(Action::SaveOne(key, format));
                        ui.close();
                    }
                }
            });
        }
        if close {
            *renaming = None;
        }
    });
}

/// The library's files that could not be read, each named with why.
fn unreadable(ui: &mut egui::Ui, files: &[(std::path::PathBuf, String)]) {
    if files.is_empty() {
        return;
    }
    let what = format!("{} in the library could not be read", count_of(files.len(), "file"));
    egui::CollapsingHeader::new(what).id_salt("unreadable").show(ui, |ui| {
        for (path, why) in files {
            let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            ui.label(format!("{name}: {why}"));
        }
    });
}

/// One line naming what each shown experiment measured (`#1: primes
/// n=5M, 3 reps`), so that runs of different sizes are never overlaid
/// unsaid.
pub fn caption(ui: &mut egui::Ui, shown: &[crate::export::plot_data::Labelled<'_>]) {
    let parts: Vec<String> = shown.iter().map(|(label, x)| format!("{label}: {}, {} reps", workload_text(x), x.asked.reps)).collect();
    let mut kinds: Vec<&crate::workloads::WorkloadSpec> = shown.iter().map(|(_, x)| &x.workload).collect();
    kinds.dedup();
    let differ = kinds.len() > 1;
    let text =
        format!("Shown: {}{}", parts.join("; "), if differ { "  (different parameters: compare the shapes, not the times)" } else { "" });
    ui.label(egui::RichText::new(text).small());
}

/// `primes n=5M`, with the variant or text file when set; a program's
/// command (`command: xz -T{threads} -c big.tar`).
pub fn workload_text(x: &Experiment) -> String {
    if let Some(c) = &x.workload.command {
        // The program's own command (escaped: it may come from a file), cut short; its n only where it uses it.
        let command = crate::untrusted::escape(&c.command);
        let cut = if command.chars().count() > 36 {
            format!("{}...", command.chars().take(33).collect::<String>())
        } else {
            command.into_owned()
        };
        let n = if c.uses_size() { format!(" n={}", human_count(x.workload.get("n") as f64)) } else { String::new() };
        return format!("command: {cut}{n}");
    }
    let mut parts = vec![x.workload.name.to_string()];
    // A text file replaces the generator: its parameters would only mislead.
    if x.workload.file.is_none() {
        parts.extend(x.workload.params.0.iter().map(|(k, v)| format!("{k}={}", human_count(*v as f64))));
    }
    if let Some(v) = x.workload.variant {
        parts.push(v.to_string());
    }
    if let Some(f) = &x.workload.file {
        parts.push(f.file_name().map_or_else(String::new, |n| crate::untrusted::escape(&n.to_string_lossy()).into_owned()));
    }
    parts.join(" ")
}
