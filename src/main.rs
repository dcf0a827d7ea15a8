fn main() {
    std::process::exit(grantcheck::cli::main());
}
