//! Export: results as JSON or CSV (checked so that a save never destroys a
//! file that is not a results file, and asks before replacing one), and the
//! tab on show as a PNG, cropped from a screenshot of the window.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use eframe::egui;

use super::files::{self, Pending, SaveCheck, SaveFormat};
use super::shelf::Said;
use super::state::Tab;
use crate::experiment::{Experiment, write_atomically};
use crate::export::outputs::OutputKind;
use crate::export::{csv, extrap};

/// A screenshot the window delivers a frame or two after it was asked for.
type Slot = Arc<Mutex<Option<Arc<egui::ColorImage>>>>;

/// Saves and PNG exports in progress.
#[derive(Debug, Default)]
pub struct Exporter {
    /// A question waiting for an answer (replace a results file?).
    pub pending: Option<Pending>,
    png: Option<(PathBuf, Tab)>,
    screenshot: Slot,
}

impl Exporter {
    /// Saves `files` to `path` (see [`save`]) after the checks of [`files::check_save`]: a
    /// file of another kind (or one of the `inputs`) is refused, one of the
    /// same kind is asked about first (see [`Self::answer`]).
    pub fn request_save(&mut self, files: &[Experiment], path: PathBuf, format: SaveFormat, inputs: &[&Path]) -> Option<Said> {
        match files::check_save(&path, format.kind(), inputs) {
            SaveCheck::Write => Some(save(files, &path, format)),
            SaveCheck::AskFirst => {
                self.pending = Some(Pending::Replace { path, format });
                None
            }
            SaveCheck::Refuse(why) => Some(Err(why)),
        }
    }

    /// Answers the pending question: `yes` replaces the file with `files`.
    pub fn answer(&mut self, yes: bool, files: &[Experiment]) -> Option<Said> {
        match self.pending.take()? {
            Pending::Replace { path, format } if yes => Some(save(files, &path, format)),
            Pending::Replace { path, .. } => Some(Ok(format!("Kept {} as it was.", path.display()))),
        }
    }

    /// Exports `tab` to `path` at the next frames: asks the window for a
    /// screenshot now. A picture replaces only a picture.
    pub fn request_png(&mut self, ctx: Option<&egui::Context>, path: PathBuf, tab: Tab) -> Option<Said> {
        if let SaveCheck::Refuse(why) = files::check_save(&path, OutputKind::Png, &[]) {
            return Some(Err(why));
        }
        self.png = Some((path, tab));
        if let Some(ctx) = ctx {
            let slot = self.screenshot.clone();
            let wake = ctx.clone();
            ctx.request_screenshot(move |image| {
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(image);
                wake.request_repaint();
            });
        }
        None
    }

    /// Writes the PNG asked for, once the screenshot has come: the part
    /// `tab_rect` (points) of it.
    pub fn finish_png(&mut self, tab_rect: Option<egui::Rect>, pixels_per_point: f32) -> Option<Said> {
        self.png.as_ref()?;
        let shot = self.screenshot.lock().unwrap_or_else(PoisonError::into_inner).take();
        let (Some(image), Some(rect)) = (shot, tab_rect) else { return None };
        let (path, tab) = self.png.take()?;
        Some(match save_png(&image, rect, pixels_per_point, &path) {
            Ok(()) => Ok(format!("Exported the {} tab to {}", tab.name(), path.display())),
            Err(e) => Err(format!("Cannot write {}: {e}", path.display())),
        })
    }
}

/// Writes `files` to `path`, atomically, keeping experiments apart: CSV
/// holds each experiment's rows (with its id and its own baseline); JSON
/// and Extra-P text hold one experiment, the newest of `files`, and the
/// news says which and how to save the others.
pub fn save(files: &[Experiment], path: &Path, format: SaveFormat) -> Said {
    let Some(newest) = files.last() else { return Err("Nothing to save yet: run something first.".into()) };
    let others = match files.len() {
        1 => String::new(),
        n => format!(" (the newest of the {n} shown: one experiment per file; save another from the Experiments tab)"),
    };
    let name = crate::untrusted::escape(&newest.name);
    let (written, said) = match format {
        SaveFormat::Csv => {
            let all: Vec<&Experiment> = files.iter().collect();
            let runs: usize = files.iter().map(|x| x.runs.len()).sum();
            let said = format!("Saved {runs} runs of {} to {}", crate::units::count_of(files.len(), "experiment"), path.display());
            (write_atomically(path, csv::to_csv_many(&all).as_bytes()).map_err(|e| e.to_string()), said)
        }
        SaveFormat::Json => (newest.save(path).map_err(|e| e.to_string()), format!("Saved '{name}' to {}{others}", path.display())),
        SaveFormat::Extrap => match extrap::to_extrap(newest) {
            Ok(out) => {
                let said = format!("Saved Extra-P text of '{name}' to {}: {}{others}", path.display(), out.summary());
                (write_atomically(path, out.text.as_bytes()).map_err(|e| e.to_string()), said)
            }
            Err(e) => return Err(format!("Nothing to write for Extra-P: {e}")),
        },
    };
    match written {
        Ok(()) => Ok(said),
        Err(e) => Err(format!("Cannot save {}: {e}", path.display())),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_export_crops_the_plot_area() {
        let mut img = egui::ColorImage::filled([40, 30], egui::Color32::BLACK);
        for y in 10..20 {
            for x in 5..15 {
                img[(x, y)] = egui::Color32::RED;
            }
        }
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("crop.png");
        let rect = egui::Rect::from_min_max(egui::pos2(2.5, 5.0), egui::pos2(7.5, 10.0)); // points, at 2 px per point
        save_png(&img, rect, 2.0, &path).expect("written");
        let back = image::open(&path).expect("a PNG").to_rgba8();
        assert_eq!(back.dimensions(), (10, 10));
        assert!(back.pixels().all(|p| p.0 == [255, 0, 0, 255]));
    }
}
