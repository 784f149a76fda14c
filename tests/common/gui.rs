//! Helpers shared by the app's kittest tests.

use std::time::{Duration, Instant};

use eframe::egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use scalescope::gui::ScalescopeApp;

/// Replaces the text of the field labelled `label`.
pub fn type_into(h: &mut Harness<'_, ScalescopeApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
    h.step();
}

/// Picks `option` in the combo box labelled `combo`.
pub fn choose(h: &mut Harness<'_, ScalescopeApp>, combo: &str, option: &str) {
    h.get_by_label(combo).click();
    h.step();
    h.step();
    h.get_by_label(option).click();
    h.step();
    h.step();
}

/// Steps in real time until `done` holds (a job runs on its own thread), at most `secs`.
pub fn step_until(h: &mut Harness<'_, ScalescopeApp>, secs: u64, mut done: impl FnMut(&ScalescopeApp) -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while !done(h.state()) {
        assert!(Instant::now() < until, "timed out waiting; message: {:?}", h.state().message);
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
}
