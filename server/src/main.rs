//! The `ponte` binary: everything happens in the `server` library.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
