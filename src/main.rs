//! `scalescope`: with no command, the desktop app; with one, the headless CLI.

fn main() {
    let cli = match scalescope::cli::parse() {
        Ok(cli) => cli,
        Err(code) => std::process::exit(code),
    };
    let code = match cli.command {
        Some(command) => scalescope::cli::run_command(command),
        None => {
            use clap::CommandFactory;
            let _ = scalescope::cli::Cli::command().print_help();
            0
        }
    };
    std::process::exit(code);
}
