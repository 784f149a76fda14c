//! `scalescope`: with no command, the desktop app; with one, the headless CLI.

fn main() {
    let cli = match scalescope::cli::parse() {
        Ok(cli) => cli,
        Err(code) => std::process::exit(code),
    };
    let code = match cli.command {
        Some(command) => scalescope::cli::run_command(command),
        None => app(cli.open),
    };
    std::process::exit(code);
}

#[cfg(feature = "gui")]
fn app(open: scalescope::cli::args::OpenArgs) -> i32 {
    match scalescope::gui::launch(open) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: could not open the window: {e}");
            1
        }
    }
}

#[cfg(not(feature = "gui"))]
fn app(_: scalescope::cli::args::OpenArgs) -> i32 {
    eprintln!("error: this scalescope was built without the app (the `gui` feature); run `scalescope --help` for the commands");
    2
}
