//! The desktop app: pick a workload, run it on N threads, watch it scale.
//!
//! Layers: [`state`] (what the user chose, persisted); [`runner`] (the job
//! on a background thread) and [`jobs`] (job control: starting, polling,
//! the live picture, the redraw rate); [`shelf`] (the experiments and what
//! the plots show); [`export`] and [`files`] (saves and PNGs that cannot
//! destroy a file); [`frame_stats`]; [`live`] and [`plot_data`] (pure
//! functions from events and results to what is drawn); [`panels`] (one
//! module per panel, drawing only, asking for [`panels::Action`]s);
//! [`layout`] (the window); and [`app`] (carries out the actions).

mod app;
pub mod crossover;
pub mod export;
pub mod files;
pub(crate) mod frame_stats;
pub mod jobs;
pub(crate) mod layout;
pub mod live;
pub mod panels;
/// The plot data, shared with the report ([`crate::export::plot_data`]).
pub use crate::export::plot_data;

pub mod runner;
pub mod shelf;
pub mod state;
mod watch;

pub use app::{Answer, Ask, ScalescopeApp};

/// Opens the window as `open` asks (a lesson, a zoom) and runs the app
/// until it is closed.
///
/// # Errors
/// The window or its graphics context could not be created.
pub fn launch(open: crate::cli::args::OpenArgs) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("scalescope")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([900.0, 600.0]),
        ..Default::default()
    };
    eframe::run_native("scalescope", options, Box::new(move |cc| Ok(Box::new(ScalescopeApp::new(cc.storage).opened(open)))))
}
