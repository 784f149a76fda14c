//! `scalescope`: with no command, the desktop app; with one, the headless CLI.

fn main() {
    let cli = match scalescope::cli::parse() {
        Ok(cli) => cli,
        Err(code) => std::process::exit(code),
    };
    let code = match cli.command {
        Some(command) => scalescope::cli::run_command(command),
        None => match scalescope::gui::launch() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: could not open the window: {e}");
                1
            }
        },
    };
    std::process::exit(code);
}
