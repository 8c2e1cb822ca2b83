fn main() {
    jalon_app::start();
}
