//! The `ponte` binary: everything happens in the `server` library.

/// mimalloc rather than glibc's allocator: cheaper when one thread frees what another
/// allocated, which the bulk import and the server's worker threads do all the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::main()
}
