//! The command line the store benches share: `[-- SIZES] [--store sqlite,postgres]`.
#![allow(dead_code)]

/// The sizes (a comma-separated list of numbers, `default` without one) and the stores
/// (`--store a,b`, both by default) to measure.
pub fn sizes_and_stores(default: &[usize]) -> (Vec<usize>, Vec<String>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sizes = args
        .iter()
        .find(|a| a.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|a| a.split(',').filter_map(|s| s.parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec());
    let stores = args
        .iter()
        .position(|a| a == "--store")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_else(|| vec!["sqlite".into(), "postgres".into()]);
    (sizes, stores)
}
